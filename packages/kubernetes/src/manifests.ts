import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { describeValue, InputError, isDns1123Label, isDns1123Subdomain } from '@sophia/inputs';
import { globSync } from 'tinyglobby';
import { Document, isMap, isNode, isScalar, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { ManifestError, type ManifestProblem } from './manifest-error.js';
import { clone, isClusterScoped, isRecord, objectKey, type JsonPath, type KubeObject } from './objects.js';

/** One object of the manifests, with where it came from so any later problem can point at its line. */
export interface Manifest {
  object: KubeObject;
  /** The file as given relative to the workspace (the form GitHub annotations want). */
  file: string;
  /** 1-based line where the object starts. */
  line: number;
  /** The line of a field inside the object, or of its nearest existing parent when the field is not written. */
  lineOf(path: JsonPath): number;
}

export interface LoadOptions {
  /** The `manifests` input: files, directories and globs, relative to `cwd`. */
  patterns: string[];
  cwd?: string;
  /** The `namespace` input, for objects that name none. */
  namespace?: string;
  /** The input the patterns came from, named in errors about patterns that match nothing. */
  inputName?: string;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

/** Files named by the patterns, in the order given; a directory stands for its manifest files; each file once. */
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
    } else if (kind === 'directory') {
      const inside = globSync('*', { cwd: direct, onlyFiles: true }).filter((name) => MANIFEST_EXTENSIONS.test(name));
      if (inside.length === 0)
        throw new InputError(
          inputName,
          `Input "${inputName}" names directory "${pattern}", which holds no .yaml, .yml or .json file`,
        );
      inside.sort().forEach((name) => add(join(direct, name)));
    } else {
      const matches = globSync(pattern, { cwd, onlyFiles: true, absolute: true, expandDirectories: false });
      if (matches.length === 0)
        throw new InputError(
          inputName,
          `Input "${inputName}" names ${describeValue(pattern)}, which matches no file in ${describeValue(cwd)}`,
        );
      matches.sort().forEach(add);
    }
  }
  if (files.length === 0)
    throw new InputError(inputName, `Input "${inputName}" is required: name manifest files, directories or globs`);
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
 */
export function loadManifests(options: LoadOptions): Manifest[] {
  const cwd = options.cwd ?? process.cwd();
  const files = resolveManifestFiles(options.patterns, cwd, options.inputName);
  const problems: ManifestProblem[] = [];
  const manifests: Manifest[] = [];
  for (const path of files) {
    const file = isAbsolute(path) && !relative(cwd, path).startsWith('..') ? relative(cwd, path) : path;
    manifests.push(...parseManifestText(readFileSync(path, 'utf8'), file, problems));
  }
  for (const manifest of manifests) validateManifest(manifest, options.namespace, problems);
  rejectDuplicates(manifests, problems);
  if (problems.length > 0) throw new ManifestError(problems);
  return manifests;
}

/** Parses one file's YAML documents (and `List` items) into manifests; problems are appended, not thrown. */
export function parseManifestText(text: string, file: string, problems: ManifestProblem[]): Manifest[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (!Array.isArray(documents)) return [];
  const manifests: Manifest[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) {
      // The first error of a document is the real one; the rest usually follow from it.
      const [error] = document.errors;
      problems.push({ file, line: lineAt(error.pos[0]), message: `invalid YAML: ${firstLine(error.message)}` });
      continue;
    }
    if (document.contents === null || isEmptyScalar(document.contents)) continue;
    const start = lineAt(document.contents.range[0]);
    if (!isMap(document.contents)) {
      problems.push({
        file,
        line: start,
        message: 'a manifest document must be a mapping with apiVersion, kind and metadata',
      });
      continue;
    }
    const value = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
    const locate = (prefix: JsonPath) => (path: JsonPath) => lineOfPath(document, [...prefix, ...path], lineAt);
    if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, index) => {
        const lineOf = locate(['items', index]);
        if (!isRecord(item)) {
          problems.push({ file, line: lineOf([]), message: `item ${index} of ${value.kind} is not an object` });
          return;
        }
        manifests.push({ object: item as KubeObject, file, line: lineOf([]), lineOf });
      });
      continue;
    }
    manifests.push({ object: value as KubeObject, file, line: start, lineOf: locate([]) });
  }
  return manifests;
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
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[length - 1]);
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
  if (typeof name !== 'string' || name === '') {
    problem(['metadata'], 'metadata.name is missing');
  } else if (!validName(object.kind, name)) {
    problem(
      ['metadata', 'name'],
      `${what} "${name}" is not a valid DNS-1123 name (lower-case letters, digits, "-" and ".", starting and ending alphanumeric)`,
    );
  }
  if (problems.length > before) return;
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
        message: `${manifest.object.kind}/${manifest.object.metadata.name} is defined twice (first at ${earlier.file}:${earlier.line})`,
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

export function copyManifest(manifest: Manifest): Manifest {
  return withObject(manifest, clone(manifest.object));
}

/**
 * The order objects are applied in, as Helm installs them: namespaces and definitions first,
 * configuration before the workloads that mount it, so a first deploy never starts pods that
 * wait on a missing ConfigMap.
 */
const APPLY_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
];

export function sortForApply(manifests: Manifest[]): Manifest[] {
  const rank = (kind: string) => {
    const at = APPLY_ORDER.indexOf(kind);
    return at < 0 ? APPLY_ORDER.length : at;
  };
  return manifests
    .map((manifest, index) => ({ manifest, index }))
    .sort((a, b) => rank(a.manifest.object.kind) - rank(b.manifest.object.kind) || a.index - b.index)
    .map(({ manifest }) => manifest);
}
