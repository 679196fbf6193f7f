import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { describeValue } from '@sophia/reporting';
import { isDns1123Label, isDns1123Subdomain } from './syntax.js';
import { globSync } from 'tinyglobby';
import { Document, isMap, isNode, isScalar, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { applyGoYamlMerges, goYamlCollections, KUBECTL_YAML, kubectlRefusals } from './kubectl-yaml.js';
import { KubernetesInputError, ManifestError, type ManifestProblem } from './manifest-error.js';
import { clone, isClusterScoped, isRecord, kindAndName, objectKey, type JsonPath, type KubeObject } from './objects.js';
import { asRead, writtenField, yaml11StringProblems, type WrittenField } from './string-fields.js';

/** One object of the manifests, with where it came from so any later problem can point at its line. */
export interface Manifest {
  object: KubeObject;
  /** The file as given relative to the workspace (the form GitHub annotations want); for a kustomization, its directory. */
  file: string;
  /** 1-based line where the object starts; for a kustomization, in the output of `kubectl kustomize`. */
  line: number;
  /** The line of a field inside the object, or of its nearest existing parent when the field is not written. */
  lineOf(path: JsonPath): number;
  /** The field at `path` as the file spells it (keys as written, before YAML 1.1 converts them); absent for objects not read from a file. */
  writtenAt?(path: JsonPath): WrittenField;
}

/** What `loadManifests` reads and how it names things in errors. */
export interface LoadOptions {
  /** The `manifests` input: files, directories and globs, relative to `cwd`. */
  patterns: string[];
  cwd?: string;
  /** The `namespace` input, for objects that name none. */
  namespace?: string;
  /** The input the patterns came from, named in errors about patterns that match nothing. */
  inputName?: string;
  /** The kubectl binary on the runner that renders kustomizations (`kubectl kustomize`). */
  kubectl?: string;
}

/** The file names kustomize looks for in a directory (kustomize's konfig.RecognizedKustomizationFileNames). */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether a directory is a kustomization: kubectl renders it as a whole instead of reading its files. */
export function isKustomization(directory: string): boolean {
  return KUSTOMIZATION_FILES.some((name) => existsSync(join(directory, name)));
}

/**
 * `kubectl kustomize <directory>`: the manifests exactly as `kubectl apply -k` would build them,
 * by kubectl's own kustomize, so no second implementation can disagree with it. Runs on the
 * runner, where the files are, for either transport. Throws KubernetesInputError with kubectl's message
 * when the kustomization does not build.
 */
export function renderKustomization(
  directory: string,
  label: string,
  kubectl = 'kubectl',
  inputName = 'manifests',
): string {
  try {
    // Not @actions/exec (3.0.0): it is promise-only, and loadManifests reads every manifest synchronously
    // before any cluster is contacted; it would also echo `[command]kubectl kustomize ...` and kubectl's output to the job log
    // itself (unless `silent`), where the error below already says what went wrong.
    return execFileSync(kubectl, ['kustomize', directory], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new KubernetesInputError(
      inputName,
      `Input "${inputName}" names kustomization "${label}", which kubectl kustomize cannot build: ${stderr || (error as Error).message}`,
    );
  }
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/**
 * Files named by the patterns, in the order given, each once; a directory stands for its manifest
 * files, or for itself when it holds a kustomization (rendered whole by loadManifests).
 */
export function resolveManifestFiles(patterns: string[], cwd: string, inputName = 'manifests'): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    const absolute = resolve(cwd, path);
    if (!seen.has(absolute)) {
      seen.add(absolute);
      files.push(absolute);
    }
  };
  for (const pattern of patterns) {
    const direct = resolve(cwd, pattern);
    const kind = statKind(direct);
    if (kind === 'file') {
      add(direct);
    } else if (kind === 'directory' && isKustomization(direct)) {
      add(direct);
    } else if (kind === 'directory') {
      const inside = globSync('*', { cwd: direct, onlyFiles: true }).filter((name) => MANIFEST_EXTENSIONS.test(name));
      if (inside.length === 0)
        throw new KubernetesInputError(
          inputName,
          `Input "${inputName}" names directory "${pattern}", which holds no .yaml, .yml or .json file`,
        );
      inside.sort().forEach((name) => add(join(direct, name)));
    } else {
      const matches = globSync(pattern, { cwd, onlyFiles: true, absolute: true, expandDirectories: false });
      if (matches.length === 0)
        throw new KubernetesInputError(
          inputName,
          `Input "${inputName}" names ${describeValue(pattern)}, which matches no file in ${describeValue(cwd)}`,
        );
      matches.sort().forEach(add);
    }
  }
  if (files.length === 0)
    throw new KubernetesInputError(
      inputName,
      `Input "${inputName}" is required: name manifest files, directories or globs`,
    );
  return files;
}

function statKind(path: string): 'file' | 'directory' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads, parses and validates every manifest before anything talks to a cluster. All problems of
 * all files are collected and thrown together, each with file and line.
 *
 * Throws, before any cluster is contacted: ManifestError (every problem of every file, at its file
 * and line), or KubernetesInputError naming the input (`options.inputName`, default `manifests`) when a
 * pattern matches no file, none is given, or the files hold no object.
 */
export function loadManifests(options: LoadOptions): Manifest[] {
  const cwd = options.cwd ?? process.cwd();
  const files = resolveManifestFiles(options.patterns, cwd, options.inputName);
  const problems: ManifestProblem[] = [];
  const manifests: Manifest[] = [];
  for (const path of files) {
    const file = isAbsolute(path) && !relative(cwd, path).startsWith('..') ? relative(cwd, path) : path;
    // A kustomization's problems point at lines of its rendered output, under the directory's name.
    const text =
      statKind(path) === 'directory'
        ? renderKustomization(path, file, options.kubectl, options.inputName)
        : readFileSync(path, 'utf8');
    manifests.push(...parseManifestText(text, file, problems));
  }
  for (const manifest of manifests) validateManifest(manifest, options.namespace, problems);
  rejectDuplicates(manifests, problems);
  if (problems.length > 0) throw new ManifestError(problems);
  // kubectl refuses it too (`error: no objects passed to apply`): a deploy of nothing is a mistake.
  if (manifests.length === 0) {
    const inputName = options.inputName ?? 'manifests';
    throw new KubernetesInputError(
      inputName,
      `Input "${inputName}" names ${options.patterns.map((pattern) => describeValue(pattern)).join(', ')}, which hold no Kubernetes object (only empty documents or comments); nothing was applied`,
    );
  }
  return manifests;
}

/**
 * The JSON objects of a file that is a stream of them back to back (`{..}{..}` or one per line,
 * as `jq -c` prints), each padded with the newlines before it so its lines stay the file's; or
 * undefined for anything else. kubectl reads a file whose first character is `{` as such a stream
 * (apimachinery's YAMLOrJSONDecoder), on every minor; the YAML reader would stop at the second.
 */
function jsonStream(text: string): string[] | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  const values: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      if (depth === 0) {
        if (char === '[') return undefined;
        start = index;
      }
      depth++;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) {
        const before = text.slice(0, start).split('\n').length - 1;
        values.push('\n'.repeat(before) + text.slice(start, index + 1));
      }
    } else if (depth === 0 && !/\s/.test(char)) {
      return undefined;
    }
  }
  return depth === 0 && values.length > 1 ? values : undefined;
}

/** Parses one file's YAML documents (and `List` items) into manifests; problems are appended, not thrown. */
export function parseManifestText(text: string, file: string, problems: ManifestProblem[]): Manifest[] {
  const stream = jsonStream(text);
  if (stream) return stream.flatMap((value) => parseManifestText(value, file, problems));
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...KUBECTL_YAML, lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (!Array.isArray(documents)) return [];
  const manifests: Manifest[] = [];
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      // The first error of a document is the real one; the rest usually follow from it.
      const [error] = document.errors;
      problems.push({ file, line: lineAt(error.pos[0]), message: `invalid YAML: ${firstLine(error.message)}` });
      continue;
    }
    // kubectl splits a file at `---` lines and reads each part with go-yaml, which refuses any
    // directive and reads only the first document of a part (checked with kubectl 1.27 to 1.33).
    if (document.directives.yaml.explicit || Object.keys(document.directives.tags).some((handle) => handle !== '!!')) {
      problems.push({
        file,
        line: lineAt(document.range[0]),
        message: 'a %YAML or %TAG directive: kubectl refuses any directive; remove the line',
      });
      continue;
    }
    if (document.contents === null || isEmptyScalar(document.contents)) continue;
    const start = lineAt(document.contents.range[0]);
    if (index > 0 && !document.directives.docStart) {
      problems.push({
        file,
        line: start,
        message: 'a document after "..." without a "---" line: kubectl ignores it; start it with ---',
      });
      continue;
    }
    const refusals = kubectlRefusals(document);
    if (refusals.length > 0) {
      for (const refusal of refusals) problems.push({ file, line: lineAt(refusal.offset), message: refusal.message });
      continue;
    }
    if (!isMap(document.contents)) {
      problems.push({
        file,
        line: start,
        message: 'a manifest document must be a mapping with apiVersion, kind and metadata',
      });
      continue;
    }
    applyGoYamlMerges(document);
    const value = document.toJS({ maxAliasCount: 100, reviver: goYamlCollections }) as Record<string, unknown>;
    const locate = (prefix: JsonPath) => (path: JsonPath) => lineOfPath(document, [...prefix, ...path], lineAt);
    const spell = (prefix: JsonPath) => (path: JsonPath) => {
      const field = writtenField(document, [...prefix, ...path], lineAt);
      // Paths are the object's own: the list item's place in its List is not part of them.
      return { ...field, path: field.path.split('.').slice(prefix.length).join('.') };
    };
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, index) => {
        const lineOf = locate(['items', index]);
        if (!isRecord(item)) {
          problems.push({ file, line: lineOf([]), message: `item ${index} of ${value.kind} is not an object` });
          return;
        }
        manifests.push({
          object: typedListItem(value, item) as KubeObject,
          file,
          line: lineOf([]),
          lineOf,
          writtenAt: spell(['items', index]),
        });
      });
      continue;
    }
    manifests.push({ object: value as KubeObject, file, line: start, lineOf: locate([]), writtenAt: spell([]) });
  }
  return manifests;
}

/**
 * An item of a typed list (`ConfigMapList`, `apps/v1` `DeploymentList`) that names neither its
 * apiVersion nor its kind takes them from the list, as the API server leaves them out of the
 * items it lists; kubectl does the same (apimachinery's UnstructuredList decoding, checked with
 * kubectl 1.27 to 1.33). A plain `List` gives nothing: kubectl refuses such an item
 * (`apiVersion not set, kind not set`), and so does validateManifest.
 */
function typedListItem(list: Record<string, unknown>, item: Record<string, unknown>): Record<string, unknown> {
  const unset = (value: unknown) => value === undefined || value === null || value === '';
  if (list.kind === 'List' || !unset(item.apiVersion) || !unset(item.kind)) return item;
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = item;
  return { apiVersion: list.apiVersion, kind: String(list.kind).slice(0, -'List'.length), ...rest };
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

function isEmptyScalar(node: unknown): boolean {
  return isNode(node) && 'value' in node && (node as { value: unknown }).value === null;
}

/** The line of the key that holds the field at `path` (or of the nearest written parent), as a reader would point at it. */
function lineOfPath(document: Document, path: JsonPath, lineAt: (offset: number) => number): number {
  for (let length = path.length; length >= 0; length--) {
    const parent = length > 0 ? document.getIn(path.slice(0, length - 1), true) : undefined;
    if (isMap(parent)) {
      const pair = parent.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(path[length - 1]),
      );
      if (pair && isNode(pair.key) && pair.key.range) return lineAt(pair.key.range[0]);
    }
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node) && (node as YamlNode).range) return lineAt((node as YamlNode).range![0]);
  }
  return 1;
}

/** Checks one object and settles its namespace: its own, else the `namespace` input, else `default`. */
export function validateManifest(manifest: Manifest, namespace: string | undefined, problems: ManifestProblem[]): void {
  const { object, file } = manifest;
  const problem = (path: JsonPath, message: string) => problems.push({ file, line: manifest.lineOf(path), message });
  const before = problems.length;
  if (typeof object.apiVersion !== 'string' || object.apiVersion.trim() === '')
    problem(['apiVersion'], 'apiVersion is missing');
  if (typeof object.kind !== 'string' || object.kind.trim() === '') problem(['kind'], 'kind is missing');
  if (!isRecord(object.metadata)) {
    problem(['metadata'], 'metadata.name is missing');
    return;
  }
  const what = typeof object.kind === 'string' ? `${object.kind} name` : 'name';
  const name = object.metadata.name;
  if ((name === undefined || name === null || name === '') && object.metadata.generateName) {
    problem(
      ['metadata', 'generateName'],
      'metadata.generateName is set and metadata.name is not: kubectl apply cannot create an object without a name (it says "cannot use generate name with apply"); give it a name',
    );
  } else if (name === undefined || name === null || name === '') {
    problem(['metadata'], 'metadata.name is missing');
  } else if (typeof name !== 'string') {
    problem(
      ['metadata', 'name'],
      `metadata.name reads as ${asRead(name)}, not a name: kubectl reads YAML 1.1, where unquoted y, n, yes, no, on and off are booleans and 0755 is a number; quote it`,
    );
  } else if (!validName(object.kind, name)) {
    problem(
      ['metadata', 'name'],
      `${what} "${name}" is not a valid DNS-1123 name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric)`,
    );
  }
  if (problems.length > before) return;
  const written = (path: JsonPath): WrittenField =>
    manifest.writtenAt?.(path) ?? { path: path.join('.'), line: manifest.lineOf(path) };
  const typed = yaml11StringProblems(object, written).map(({ path, message }) => ({
    file,
    line: written(path).line,
    message,
  }));
  problems.push(...typed.sort((a, b) => a.line - b.line));
  if (isClusterScoped(object.kind)) {
    delete object.metadata.namespace;
    return;
  }
  const own = object.metadata.namespace;
  if (own !== undefined && (typeof own !== 'string' || !isDns1123Label(own))) {
    problem(['metadata', 'namespace'], `namespace "${String(own)}" is not a valid namespace name`);
    return;
  }
  object.metadata.namespace = own || namespace || 'default';
}

/** Services and namespaces must be DNS labels (no dots, 63 characters); most other kinds DNS subdomains. */
function validName(kind: string, name: string): boolean {
  return kind === 'Service' || kind === 'Namespace' ? isDns1123Label(name) : isDns1123Subdomain(name);
}

function rejectDuplicates(manifests: Manifest[], problems: ManifestProblem[]): void {
  const first = new Map<string, Manifest>();
  for (const manifest of manifests) {
    if (!isRecord(manifest.object.metadata) || typeof manifest.object.metadata.name !== 'string') continue;
    const key = objectKey(manifest.object);
    const earlier = first.get(key);
    if (earlier) {
      problems.push({
        file: manifest.file,
        line: manifest.line,
        message: `${kindAndName(manifest.object)} is defined twice (first at ${earlier.file}:${earlier.line})`,
      });
    } else {
      first.set(key, manifest);
    }
  }
}

/** A manifest with its object replaced, keeping its source position (transforms return new objects). */
export function withObject(manifest: Manifest, object: KubeObject): Manifest {
  return { ...manifest, object };
}

/**
 * A deep copy of a manifest's object with the same source position, for transforms that must not change the object they
 * were given.
 */
export function copyManifest(manifest: Manifest): Manifest {
  return withObject(manifest, clone(manifest.object));
}
