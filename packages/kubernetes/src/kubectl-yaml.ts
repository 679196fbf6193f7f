import type { DocumentOptions, ParseOptions, SchemaOptions, ScalarTag, Tags } from 'yaml';

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
 * - an explicit `!!float` makes a number of any scalar that reads as one.
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
      const sign = text.startsWith('-') ? -1 : 1;
      const digits = text.replace(/^[-+]?0[bBoOxX]/, '').replace(/_/g, '');
      return sign * parseInt(digits, radix);
    },
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

function kubectlTags(tags: Tags): Tags {
  const kept = tags.filter((tag) => {
    const { tag: name, format } = tag as ScalarTag;
    if (name === 'tag:yaml.org,2002:timestamp' || name === 'tag:yaml.org,2002:binary') return false;
    // The package's own prefixed integers are replaced by the Go ones; sexagesimal (TIME) goes.
    if (name === 'tag:yaml.org,2002:int' && (format === 'BIN' || format === 'HEX' || format === 'TIME')) return false;
    if (name === 'tag:yaml.org,2002:float' && format === 'TIME') return false;
    return true;
  });
  return [...GO_PREFIXED_INTS, ...kept, BINARY_AS_TEXT, EXPLICIT_FLOAT];
}

/** Options for the `yaml` package that read a manifest as kubectl does (see above). */
export const KUBECTL_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  merge: true,
  uniqueKeys: false,
  customTags: kubectlTags,
};
