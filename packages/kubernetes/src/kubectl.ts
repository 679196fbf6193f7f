import type { Label, Taint } from './syntax.js';
import { kubeJson, parseKubeJson } from './json.js';
import { isRecord, refOf, resourceArg, workloadKey, type KubeObject, type ObjectRef } from './objects.js';
import type { KubectlResult, KubectlStream, KubectlTransport } from './transports.js';

/** One kind the server serves, as discovery announces it. */
export interface ServedKind {
  kind: string;
  /** The version kubectl prefers for the kind (`apps/v1`, `v1`). */
  apiVersion: string;
  namespaced: boolean;
}

/** The server's API surface from discovery (Kubectl.servedApis). */
export interface ServedApis {
  /** By `group/Kind` (`apps/Deployment`, `/ConfigMap` for the core group). */
  kinds: Map<string, ServedKind>;
  /**
   * Served group-versions (`apps/v1`, `v1`, `autoscaling/v1`): every one, or, when the versions
   * asked about are all preferred ones, the preferred versions only (see Kubectl.servedApis).
   */
  groupVersions: Set<string>;
}

/** kubectl exited with an error; the message carries what was attempted, where, and kubectl's own words. */
export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly result: KubectlResult,
    where: string,
  ) {
    super(`kubectl ${summarizeArgs(args)} failed (exit ${result.code}, ${where}): ${errorText(result)}`);
    this.name = 'KubectlError';
  }
}

/** Fields of one object that another field manager owns, as a refused server-side apply names them. */
export interface FieldConflict {
  /** The other field manager, as the server names it. */
  manager: string;
  /** The subresource it wrote through (`scale` for `kubectl scale`), when not the object itself. */
  subresource?: string;
  /**
   * How it wrote the fields: the server names the API version (`using apps/v1`) only for an
   * Update (kubectl edit, scale, set, a client-side apply), never for an Apply.
   */
  operation: 'Apply' | 'Update';
  /** Field paths in the server's notation (`.spec.replicas`, `.data.a`). */
  fields: string[];
}

/**
 * Server-side apply refused to take fields another field manager owns. Kept apart from other
 * failures because the fix is a decision (who owns the field), not a retry. `object` is set
 * when the apply was of one object (kubectl's message does not say which object of several).
 */
export class ApplyConflictError extends Error {
  constructor(
    readonly fieldManager: string,
    readonly conflicts: FieldConflict[],
    readonly object?: string,
  ) {
    super(conflictMessage(fieldManager, conflicts, object));
    this.name = 'ApplyConflictError';
  }

  /** The field managers that own the contested fields, as the server names them. */
  get managers(): string[] {
    return [...new Set(this.conflicts.map((conflict) => conflict.manager))];
  }

  /** One line per other manager: its name and the fields it owns. */
  get details(): string {
    return conflictDetails(this.conflicts);
  }
}

/** One line per conflict: the other manager's name and the fields it owns. */
export function conflictDetails(conflicts: FieldConflict[]): string {
  return conflicts.map((conflict) => `"${conflict.manager}": ${conflict.fields.join(', ')}`).join('\n');
}

/** Says whose fields, held by whom, and the three ways out (the server's own advice, in the suite's inputs). */
function conflictMessage(fieldManager: string, conflicts: FieldConflict[], object?: string): string {
  const owners = conflicts
    .map(
      (conflict) =>
        `${conflict.fields.join(', ')} (field manager "${conflict.manager}"${conflict.subresource ? ` through the ${conflict.subresource} subresource` : ''})`,
    )
    .join('; ');
  return (
    `${object ? `${object}: ` : ''}fields owned by another field manager, which the suite's field manager "${fieldManager}" ` +
    `would take: ${owners}. Another tool or a person (kubectl edit, scale, set) wrote them: ` +
    'remove these fields from the manifest, stop managing them elsewhere, or take them over with the input ' +
    'force-conflicts: true.'
  );
}

const REQUEST_TIMEOUT = '60s';

function summarizeArgs(args: string[]): string {
  return args.filter((arg) => !arg.startsWith('-o') && arg !== 'json').join(' ');
}

function errorText(result: KubectlResult): string {
  const text = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-12).join('\n');
  return text || '(no output)';
}

/** Per call: text for kubectl's stdin, and exit codes to treat as answers. */
export interface KubectlRunOptions {
  stdin?: string;
  /** Exit codes that are answers rather than failures (kubectl diff exits 1 when there are differences). */
  okCodes?: number[];
}

/** The flags of one `kubectl apply` (see `KubernetesDeployRequest` for what each flag means). */
export interface ApplyOptions {
  /** `--server-side`. */
  serverSide: boolean;
  /** `--field-manager`. */
  fieldManager: string;
  /** `server`: the API server runs admission and defaulting, persists nothing. */
  dryRun?: boolean;
  forceConflicts?: boolean;
}

/**
 * Manifests for kubectl's stdin: one JSON `v1 List`, which every kubectl reads whole. JSON
 * documents separated by `---` are read only by kubectl 1.33 and later (1.27 to 1.32 stop at the
 * first with "invalid character '-' in numeric literal"), and YAML would have to be written in
 * kubectl's YAML 1.1, where an unquoted `yes` or `0755` changes type. Integers beyond 2^53 are
 * written with all their digits, as `kubectl apply -f` sends them.
 */
export function manifestStream(objects: KubeObject[]): string {
  return kubeJson({ apiVersion: 'v1', kind: 'List', items: objects }) + '\n';
}

function itemsOf(parsed: unknown): KubeObject[] {
  if (!isRecord(parsed)) return [];
  if (Array.isArray(parsed.items) && typeof parsed.kind === 'string' && parsed.kind.endsWith('List')) {
    return parsed.items as KubeObject[];
  }
  return [parsed as KubeObject];
}

function namespaceArgs(namespace: string | undefined): string[] {
  return namespace ? ['--namespace', namespace] : [];
}

/**
 * Every kubectl call of the suite goes through here, whatever the transport, so both transports
 * behave the same and are tested the same.
 */
export class Kubectl {
  /**
   * `signal`: the run's cancel. Once it is aborted, every call of this Kubectl rejects with the
   * signal's reason, and the kubectl processes it started (runs and watches) are ended.
   */
  constructor(
    readonly transport: KubectlTransport,
    private readonly trace: (line: string) => void = () => undefined,
    readonly signal?: AbortSignal,
  ) {}

  /**
   * The same connection, its calls no longer stopped by the cancel: for putting back what a
   * cancelled run had changed (a failed deploy's restore, a node's label), which has to go on
   * after the cancel to leave the cluster as a failed deploy leaves it.
   */
  withoutSignal(): Kubectl {
    return this.signal ? new Kubectl(this.transport, this.trace) : this;
  }

  /** Where kubectl runs, for messages (`kubectl on the runner`, `"k3s kubectl" on host:22`). */
  get where(): string {
    return this.transport.where;
  }

  /**
   * Runs kubectl with `args`, bounded by `--request-timeout=60s` per API request.
   * @throws KubectlError (arguments, exit code, last lines of output, where) on an exit code not in `okCodes`;
   *   the cancel signal's reason once it is aborted (kubectl is ended).
   */
  async run(args: string[], options: KubectlRunOptions = {}): Promise<KubectlResult> {
    this.signal?.throwIfAborted();
    this.trace(`kubectl ${args.join(' ')}`);
    // An API server that stops answering must fail the step, not hold the job until GitHub kills it.
    const result = await this.transport.run(
      [...args, `--request-timeout=${REQUEST_TIMEOUT}`],
      options.stdin,
      this.signal,
    );
    if (result.code !== 0 && !(options.okCodes ?? []).includes(result.code))
      throw new KubectlError(args, result, this.where);
    return result;
  }

  /**
   * Runs kubectl with `-o json` and parses the output with integers beyond 2^53 kept exact; undefined when kubectl
   * printed nothing (`--ignore-not-found`).
   * @throws KubectlError as `run`, or Error when the output is not JSON.
   */
  async json<T = unknown>(args: string[], options: KubectlRunOptions = {}): Promise<T | undefined> {
    const result = await this.run([...args, '-o', 'json'], options);
    const text = result.stdout.trim();
    if (text === '') return undefined;
    try {
      return parseKubeJson(text) as T;
    } catch {
      throw new Error(
        `kubectl ${summarizeArgs(args)} printed something that is not JSON (${this.where}): ${text.slice(0, 200)}`,
      );
    }
  }

  /**
   * The namespace kubectl gives objects that name none: the current context's, else `default`
   * (kubectl's rule). Read from kubectl itself, so over SSH it is the server's kubeconfig that counts.
   */
  async contextNamespace(): Promise<string> {
    const result = await this.run([
      'config',
      'view',
      '--minify',
      '--output',
      'jsonpath={.contexts[0].context.namespace}',
    ]);
    return result.stdout.trim() || 'default';
  }

  /**
   * What the server serves, read from its discovery: every kind with the `apiVersion` kubectl
   * prefers for it and its scope (`kubectl api-resources`: kubectl decides an object's scope from
   * the same REST mapping), and the served group-versions. api-resources lists each kind at its
   * preferred version only, so every served group-version is read too (`kubectl api-versions`),
   * unless each of `asked` (the apiVersions the caller will look up) is the preferred version of
   * some kind: then `groupVersions` holds the preferred versions, which answer for every asked
   * one, and the second kubectl process is saved. The api-resources table is read
   * from the right (APIVERSION, NAMESPACED, KIND are the last columns in kubectl 1.27 to 1.33)
   * because SHORTNAMES may be empty.
   * @throws KubectlError as `run`.
   */
  async servedApis(asked?: Iterable<string>): Promise<ServedApis> {
    const resources = await this.run(['api-resources', '--no-headers']);
    const kinds = new Map<string, ServedKind>();
    for (const line of resources.stdout.split('\n')) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 4) continue;
      const [apiVersion, namespaced, kind] = columns.slice(-3);
      const slash = apiVersion.lastIndexOf('/');
      const groupKind = `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`;
      if (!kinds.has(groupKind)) kinds.set(groupKind, { kind, apiVersion, namespaced: namespaced === 'true' });
    }
    const preferred = new Set([...kinds.values()].map((kind) => kind.apiVersion));
    if (asked && [...asked].every((version) => preferred.has(version))) return { kinds, groupVersions: preferred };
    const versions = await this.run(['api-versions']);
    const groupVersions = new Set(
      versions.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    );
    return { kinds, groupVersions };
  }

  /**
   * Reports every `kind` object of the namespace as kubectl's watch sees it (`kubectl get <kind>
   * --watch`: the current objects first, then each change), until stopped. The output is
   * `-o jsonpath={@}`, which prints each object as one line of compact JSON (`-o json` spreads
   * one over many lines). kubectl watches one resource type per process ("you may only specify a
   * single resource type"). Undefined when the transport cannot stream (kubectl over SSH); lines
   * that are not an object are skipped, and a watch that ends just stops reporting, so callers
   * keep polling beside it.
   */
  watch(
    kind: string,
    namespace: string | undefined,
    onObject: (object: KubeObject) => void,
  ): KubectlStream | undefined {
    if (!this.transport.stream || this.signal?.aborted) return undefined;
    const args = ['get', kind, ...namespaceArgs(namespace), '--watch', '--output', 'jsonpath={@}{"\\n"}'];
    this.trace(`kubectl ${args.join(' ')}`);
    return this.transport.stream(
      args,
      (line) => {
        try {
          const parsed = parseKubeJson(line);
          if (isRecord(parsed) && isRecord(parsed.metadata)) onObject(parsed as KubeObject);
        } catch {
          // Not an object line (a warning kubectl printed to stdout): nothing to report.
        }
      },
      this.signal,
    );
  }

  /** One object, or undefined when it does not exist; with its field managers when asked (kubectl hides them). */
  async get(ref: ObjectRef, options: { managedFields?: boolean } = {}): Promise<KubeObject | undefined> {
    const args = ['get', resourceArg(ref), ...namespaceArgs(ref.namespace), '--ignore-not-found'];
    if (options.managedFields) args.push('--show-managed-fields');
    return this.json<KubeObject>(args);
  }

  /**
   * Every object of a kind (`kubectl get <kind>`), in one namespace, all namespaces, or the context's default,
   * optionally filtered by a label selector; a `v1 List` is unwrapped into its items.
   * @throws KubectlError as `run`.
   */
  async list(
    kind: string,
    options: { namespace?: string; selector?: string; allNamespaces?: boolean } = {},
  ): Promise<KubeObject[]> {
    const args = ['get', kind];
    if (options.allNamespaces) args.push('--all-namespaces');
    else args.push(...namespaceArgs(options.namespace));
    if (options.selector) args.push('--selector', options.selector);
    return itemsOf(await this.json(args));
  }

  /** The live state of each object named in `objects` (missing ones are simply absent). */
  async getLive(objects: KubeObject[], options: { managedFields?: boolean } = {}): Promise<KubeObject[]> {
    if (objects.length === 0) return [];
    const args = ['get', '--filename', '-', '--ignore-not-found'];
    if (options.managedFields) args.push('--show-managed-fields');
    return itemsOf(await this.json(args, { stdin: manifestStream(objects) }));
  }

  /** Applies the objects in one call and returns what the server made of them (dry run: what it would make). */
  async apply(objects: KubeObject[], options: ApplyOptions): Promise<KubeObject[]> {
    if (objects.length === 0) return [];
    const args = ['apply', '--filename', '-', `--field-manager=${options.fieldManager}`];
    if (options.serverSide) args.push('--server-side');
    if (options.serverSide && options.forceConflicts) args.push('--force-conflicts');
    if (options.dryRun) args.push('--dry-run=server');
    try {
      return itemsOf(await this.json(args, { stdin: manifestStream(objects) }));
    } catch (error) {
      const conflicts = error instanceof KubectlError ? fieldConflicts(error.result.stderr) : [];
      if (conflicts.length > 0)
        throw new ApplyConflictError(
          options.fieldManager,
          conflicts,
          objects.length === 1 ? workloadKey(refOf(objects[0])) : undefined,
        );
      throw error;
    }
  }

  /**
   * Waits until each CustomResourceDefinition is Established, the point from which the server
   * serves its kind (`kubectl wait --for=condition=Established`, as installers such as Helm do).
   */
  async waitEstablished(definitions: KubeObject[], timeoutSeconds = 60): Promise<void> {
    if (definitions.length === 0) return;
    await this.run([
      'wait',
      '--for=condition=Established',
      `--timeout=${timeoutSeconds}s`,
      ...definitions.map((definition) => `customresourcedefinition/${definition.metadata.name}`),
    ]);
  }

  /**
   * `kubectl rollout undo`, to the previous revision or to `toRevision`; returns kubectl's one-line answer.
   * @throws KubectlError (for example, no such revision).
   */
  async rolloutUndo(ref: ObjectRef, toRevision?: number): Promise<string> {
    const args = ['rollout', 'undo', resourceArg(ref), ...namespaceArgs(ref.namespace)];
    if (toRevision !== undefined) args.push(`--to-revision=${toRevision}`);
    return (await this.run(args)).stdout.trim();
  }

  /**
   * `kubectl rollout history` as kubectl prints it (a table of revisions and change causes), for the log.
   * @throws KubectlError as `run`.
   */
  async rolloutHistory(ref: ObjectRef): Promise<string> {
    return (await this.run(['rollout', 'history', resourceArg(ref), ...namespaceArgs(ref.namespace)])).stdout;
  }

  /**
   * Sets the annotations on the object, replacing existing values (`--overwrite`).
   * @throws KubectlError as `run`.
   */
  async annotate(ref: ObjectRef, annotations: Record<string, string>): Promise<void> {
    const pairs = Object.entries(annotations).map(([key, value]) => `${key}=${value}`);
    await this.run(['annotate', resourceArg(ref), ...namespaceArgs(ref.namespace), ...pairs, '--overwrite']);
  }

  /**
   * Sets a label on a node, replacing any value it had (`--overwrite`).
   * @throws KubectlError as `run`.
   */
  async labelNode(node: string, label: Label): Promise<void> {
    await this.run(['label', 'node', node, `${label.key}=${label.value}`, '--overwrite']);
  }

  /**
   * Removes the label `key` from a node (`kubectl label node <node> key-`).
   * @throws KubectlError as `run`.
   */
  async unlabelNode(node: string, key: string): Promise<void> {
    await this.run(['label', 'node', node, `${key}-`]);
  }

  /** Removes the taint with this key and effect (`kubectl taint node <node> key:Effect-`). */
  async untaintNode(node: string, taint: string): Promise<void> {
    const [keyAndValue, effect] = [taint.slice(0, taint.lastIndexOf(':')), taint.slice(taint.lastIndexOf(':') + 1)];
    await this.run(['taint', 'node', node, `${keyAndValue.split('=')[0]}:${effect}-`]);
  }

  /**
   * Sets a taint on a node, replacing one with the same key and effect (`--overwrite`).
   * @throws KubectlError as `run`.
   */
  async taintNode(node: string, taint: Taint): Promise<void> {
    const spec = taint.value ? `${taint.key}=${taint.value}:${taint.effect}` : `${taint.key}:${taint.effect}`;
    await this.run(['taint', 'node', node, spec, '--overwrite']);
  }

  /** Ends the transport: removes the local kubeconfig directory, or closes the SSH session. */
  close(): Promise<void> {
    return this.transport.close();
  }
}

/**
 * The conflicts a refused server-side apply names, merged per managedFields entry (manager,
 * subresource, operation); empty when the failure was
 * something else. The server writes (apimachinery's merge.Conflicts, one block per object)
 * `Apply failed with 1 conflict: conflict with "m": .data.a`, or for several
 * `conflicts with "m" [with subresource "scale"] [using apps/v1]:` followed by `- .path` lines,
 * then advice to ignore.
 */
export function fieldConflicts(stderr: string): FieldConflict[] {
  const byManager = new Map<string, FieldConflict>();
  let fields: string[] | undefined;
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    const owner = /conflicts? with "([^"]+)"(?: with subresource "([^"]+)")?( using [^:]+)?:\s*(\.\S.*)?$/.exec(line);
    if (owner) {
      const [, manager, subresource, using, inline] = owner;
      const operation = using ? 'Update' : 'Apply';
      const key = `${manager}\n${subresource ?? ''}\n${operation}`;
      const conflict = byManager.get(key) ?? {
        manager,
        ...(subresource ? { subresource } : {}),
        operation,
        fields: [],
      };
      byManager.set(key, conflict);
      fields = conflict.fields;
      if (inline) fields.push(inline);
    } else if (fields && /^- \./.test(line)) {
      fields.push(line.slice(2));
    } else {
      fields = undefined;
    }
  }
  return [...byManager.values()].map((conflict) => ({ ...conflict, fields: [...new Set(conflict.fields)] }));
}
