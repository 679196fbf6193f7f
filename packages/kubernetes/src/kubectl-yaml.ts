import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isScalar,
  isSeq,
  visit,
  type Document,
  type DocumentOptions,
  type Pair,
  type ParseOptions,
  type SchemaOptions,
  type ScalarTag,
  type Tags,
} from 'yaml';
import { kubectlNumber } from './json.js';

/**
 * kubectl reads manifests with sigs.k8s.io/yaml, whose parser is a fork of go-yaml v2: YAML 1.1
 * with go-yaml's own scalar rules (resolve.go). The `yaml` package's 1.1 schema is close, and
 * these tags make it exact where the two differ, each difference checked against `kubectl create
 * --dry-run=client -o json` in packages/kubernetes/test/kubectl-yaml.test.ts:
 * - integers with Go's base prefixes in either case (`0o17`, `0O17`, `0X1f`, `0B11`, signed too),
 *   which go-yaml hands to Go's strconv.ParseInt(s, 0, 64);
 * - no sexagesimal numbers (`1:30` stays a string) and no timestamps (`2001-12-14` stays the text
 *   as written): go-yaml v2 returns timestamps to an untyped target as their source string;
 * - `!!binary` decodes to the text of its bytes, as go-yaml does for an untyped target;
 * - an explicit `!!float` makes a number of any scalar that reads as one;
 * - an integer beyond 2^53 that fits int64 is kept exactly, as a BigInt (see kubectlNumber), as
 *   go-yaml reads it into an int64, where a JS number would round 9007199254740993.
 * Everything else of YAML 1.1 is the package's own: booleans `yes`/`no`/`on`/`off`/`y`/`n`,
 * `0755` as octal, `1_000`, merge keys `<<` (also a list of them; the first wins), and a key
 * written twice keeps its last value instead of being an error.
 */
function goPrefixedInt(format: string, pattern: RegExp, radix: number): ScalarTag {
  return {
    identify: (value) => typeof value === 'number' && Number.isInteger(value),
    default: true,
    tag: 'tag:yaml.org,2002:int',
    format,
    test: pattern,
    resolve: (text) => {
      const prefix = { 2: '0b', 8: '0o', 16: '0x' }[radix];
      const value = BigInt(prefix + text.replace(/^[-+]?0[bBoOxX]/, '').replace(/_/g, ''));
      return kubectlNumber(String(text.startsWith('-') ? -value : value));
    },
  };
}

/** The package's own integer tag, reading integers beyond 2^53 exactly (see kubectlNumber). */
function exactInt(tag: ScalarTag): ScalarTag {
  return {
    ...tag,
    resolve: (text, onError, options) =>
      kubectlNumber(String(tag.resolve(text, onError, { ...options, intAsBigInt: true }))),
  };
}

const GO_PREFIXED_INTS = [
  goPrefixedInt('BIN', /^[-+]?0[bB]_*[01][01_]*$/, 2),
  goPrefixedInt('OCT', /^[-+]?0[oO]_*[0-7][0-7_]*$/, 8),
  goPrefixedInt('HEX', /^[-+]?0[xX]_*[0-9a-fA-F][0-9a-fA-F_]*$/, 16),
];

const BINARY_AS_TEXT: ScalarTag = {
  identify: () => false,
  default: false,
  tag: 'tag:yaml.org,2002:binary',
  resolve: (text) => Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8'),
};

/** An explicit `!!float` on any number, quoted or not (`!!float "1"`), as go-yaml converts it. */
const EXPLICIT_FLOAT: ScalarTag = {
  identify: () => false,
  default: false,
  tag: 'tag:yaml.org,2002:float',
  resolve: (text) => Number(text.replace(/_/g, '')),
};

/**
 * The YAML 1.1 tags as kubectl's parser (sigs.k8s.io/yaml over go-yaml v2) reads plain scalars: timestamps and !!binary
 * stay strings, integers take Go's 0b/0o/0x forms and keep every digit, sexagesimal numbers are not numbers.
 */
function kubectlTags(tags: Tags): Tags {
  const kept = tags
    .filter((tag) => {
      const { tag: name, format } = tag as ScalarTag;
      if (name === 'tag:yaml.org,2002:timestamp' || name === 'tag:yaml.org,2002:binary') return false;
      // The package's own prefixed integers are replaced by the Go ones; sexagesimal (TIME) goes.
      if (name === 'tag:yaml.org,2002:int' && (format === 'BIN' || format === 'HEX' || format === 'TIME')) return false;
      if (name === 'tag:yaml.org,2002:float' && format === 'TIME') return false;
      return true;
    })
    .map((tag) => ((tag as ScalarTag).tag === 'tag:yaml.org,2002:int' ? exactInt(tag as ScalarTag) : tag));
  return [...GO_PREFIXED_INTS, ...kept, BINARY_AS_TEXT, EXPLICIT_FLOAT];
}

/** Options for the `yaml` package that read a manifest as kubectl does (see above). */
export const KUBECTL_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  customTags: kubectlTags,
};

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

/** The keys a merge value (`<<: *base`, `<<: {..}`, `<<: [*a, *b]`) brings into a map, as toJS spells them. */
function mergedKeys(value: unknown, document: Document): Set<string> {
  const node = isAlias(value) ? value.resolve(document) : value;
  if (isSeq(node)) return new Set(node.items.flatMap((item) => [...mergedKeys(item, document)]));
  if (!isMap(node)) return new Set();
  const object = node.toJS(document, { maxAliasCount: 100 }) as Record<string, unknown>;
  return new Set(Object.keys(object));
}

/**
 * Makes the `yaml` package's merge keys give what go-yaml v2 gives (decode.go, `d.mapping`): go-yaml
 * sets a map's entries in the order written, a merge `<<` overwriting what came before it and
 * being overwritten by what comes after, so in `{name: a, <<: *base}` the base's name wins and of
 * two `<<` the later wins (within one `<<: [*a, *b]` the first still wins). The package lets an
 * explicit key win wherever it is written, and the first `<<`: so an explicit key some later `<<`
 * overwrites is dropped, and the order of the `<<` entries is reversed. Checked against kubectl
 * in packages/kubernetes/test/kubectl-yaml.test.ts.
 */
export function applyGoYamlMerges(document: Document): void {
  visit(document, {
    Map(_, map) {
      const merges = map.items.filter((pair) => isMergeKey(pair.key));
      if (merges.length === 0) return;
      // The last entry that sets each key, an explicit one or a merge.
      const lastSetter = new Map<string, unknown>();
      for (const pair of map.items) {
        if (isMergeKey(pair.key)) for (const key of mergedKeys(pair.value, document)) lastSetter.set(key, pair);
        else if (isScalar(pair.key)) lastSetter.set(String(pair.key.value), pair);
      }
      const kept = map.items.filter(
        (pair) =>
          isMergeKey(pair.key) ||
          !isScalar(pair.key) ||
          !isMergeKey((lastSetter.get(String(pair.key.value)) as Pair)?.key),
      );
      const reversed = kept.filter((pair) => isMergeKey(pair.key)).reverse();
      map.items = kept.map((pair) => (isMergeKey(pair.key) ? reversed.shift()! : pair));
    },
  });
}

/** Where kubectl refuses what the `yaml` package would read: each problem with the offset it starts at. */
export interface KubectlYamlRefusal {
  offset: number;
  message: string;
}

/**
 * What go-yaml and sigs.k8s.io/yaml refuse in a document (checked against kubectl 1.27 to 1.33):
 * a map key that is null, a list or a map (`invalid map key`, `Unsupported map key`), `.inf`
 * or `.nan`, which JSON cannot carry (`json: unsupported value`), and an alias whose anchor is
 * not set earlier in the same document (`yaml: unknown anchor 'd' referenced`): kubectl reads
 * each `---` document alone, so an anchor of another document is unknown.
 */
export function kubectlRefusals(document: Document): KubectlYamlRefusal[] {
  const refusals: KubectlYamlRefusal[] = [];
  const at = (node: unknown) => (isNode(node) && node.range ? node.range[0] : 0);
  visit(document, {
    Pair(_, pair) {
      if (isMergeKey(pair.key)) return;
      if (pair.key === null || (isScalar(pair.key) && pair.key.value === null))
        refusals.push({ offset: at(pair.value), message: 'a map key is null (empty, ~ or null): kubectl refuses it' });
      else if (isCollection(pair.key))
        refusals.push({ offset: at(pair.key), message: 'a map key is a list or a map: kubectl refuses it' });
    },
    Alias(_, alias) {
      if (alias.resolve(document) === undefined)
        refusals.push({
          offset: at(alias),
          message: `alias *${alias.source} names no anchor &${alias.source} set before it in this document: kubectl refuses it ("unknown anchor '${alias.source}' referenced"), as it reads each --- document alone; repeat the value, or set the anchor in this document`,
        });
    },
    Scalar(_, scalar) {
      if (typeof scalar.value === 'number' && !Number.isFinite(scalar.value))
        refusals.push({
          offset: at(scalar),
          message: `${scalar.source ?? String(scalar.value)} reads as ${String(scalar.value)}, which JSON cannot carry: kubectl refuses it; quote it for a string`,
        });
    },
  });
  return refusals;
}

/**
 * go-yaml's values for the YAML 1.1 collection tags, for an untyped target: `!!set` a map of
 * nulls, `!!omap` a list of one-entry maps (the package gives a Set and a Map, which JSON loses).
 */
export function goYamlCollections(this: unknown, _key: unknown, value: unknown): unknown {
  if (value instanceof Set) return Object.fromEntries([...value].map((item) => [String(item), null]));
  if (value instanceof Map) return [...value].map(([key, item]) => ({ [String(key)]: item }));
  return value;
}
