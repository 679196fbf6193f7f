import { createHmac, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { kubeJson } from './json.js';
import { clone, type KubeObject } from './objects.js';

/**
 * The object as a person compares two versions of it: without the fields the server owns (they
 * change on every write and say nothing about intent: managedFields, resourceVersion, uid,
 * creationTimestamp, generation, selfLink, status, kubectl's last-applied annotation), and with a
 * Secret's values replaced by keyed fingerprints (see redactSecretValues). Undefined for undefined.
 */
export function intentOf(object: KubeObject | undefined): unknown {
  if (!object) return undefined;
  const copy = clone(object);
  for (const field of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'])
    delete copy.metadata[field];
  if (copy.metadata.annotations) {
    delete copy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  delete copy.status;
  if (copy.kind === 'Secret') redactSecretValues(copy);
  return copy;
}

// Keyed per process, so a fingerprint shows that a value changed without letting anyone test guesses against it.
const FINGERPRINT_KEY = randomBytes(32);

/** Secret values never reach a log or summary: each becomes a keyed fingerprint that differs exactly when the value does. */
function redactSecretValues(secret: KubeObject): void {
  const data = (secret.data ?? {}) as Record<string, string>;
  const stringData = (secret.stringData ?? {}) as Record<string, string>;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) values[key] = Buffer.from(String(value), 'base64').toString('utf8');
  for (const [key, value] of Object.entries(stringData)) values[key] = String(value);
  delete secret.stringData;
  if (Object.keys(values).length === 0) return;
  secret.data = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      `(redacted ${createHmac('sha256', FINGERPRINT_KEY).update(value).digest('hex').slice(0, 8)})`,
    ]),
  );
}

function lines(object: KubeObject | undefined): string[] {
  const value = intentOf(object);
  return value === undefined ? [] : stringify(value, { sortMapEntries: true }).trimEnd().split('\n');
}

/**
 * A unified-style diff of the live object against what the server would make of the manifest,
 * so a dry run shows the intent of a deploy, not just that something differs.
 */
export function objectDiff(live: KubeObject | undefined, intended: KubeObject): string {
  const before = lines(live);
  const after = lines(intended);
  const table: number[][] = Array.from({ length: before.length + 1 }, () =>
    new Array<number>(after.length + 1).fill(0),
  );
  for (let i = before.length - 1; i >= 0; i--) {
    for (let j = after.length - 1; j >= 0; j--) {
      table[i][j] = before[i] === after[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    if (i < before.length && j < after.length && before[i] === after[j]) {
      out.push(`  ${before[i]}`);
      i++;
      j++;
    } else if (i < before.length && (j >= after.length || table[i + 1][j] >= table[i][j + 1])) {
      out.push(`- ${before[i++]}`);
    } else {
      out.push(`+ ${after[j++]}`);
    }
  }
  return collapseContext(out);
}

/** Keeps two lines of context around changes so large unchanged objects do not drown the change. */
function collapseContext(out: string[], context = 2): string {
  const changed = out.map((line) => !line.startsWith('  '));
  const keep = out.map((_, index) => changed.slice(Math.max(0, index - context), index + context + 1).some(Boolean));
  const result: string[] = [];
  let skipping = false;
  out.forEach((line, index) => {
    if (keep[index]) {
      result.push(line);
      skipping = false;
    } else if (!skipping) {
      result.push('  ...');
      skipping = true;
    }
  });
  return result.join('\n');
}

/**
 * True when the live object already holds what `intended` says, compared on the fields apply owns (server-set metadata
 * and status left out, keys sorted): the deploy then skips the apply and reports the object unchanged. An absent live
 * object never matches.
 */
export function sameIntent(live: KubeObject | undefined, intended: KubeObject): boolean {
  return kubeJson(sortKeys(intentOf(live))) === kubeJson(sortKeys(intentOf(intended)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
