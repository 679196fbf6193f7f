/**
 * GitHub Actions expressions (`${{ ... }}`), as much of the language as our workflows use:
 * literals, context paths (with `*` object filters), `!`, `==`, `!=`, `&&`, `||`, parentheses,
 * and the functions contains, startsWith, endsWith, format, join, toJSON, fromJSON plus the
 * status functions, whose answers the caller supplies. Comparison and truthiness follow
 * GitHub's rules (case-insensitive string equality, '' / 0 / null / false are falsy).
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
  always(): boolean;
}

export interface ExpressionContext {
  contexts: Record<string, Value>;
  status?: StatusFunctions;
}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string };

export class ExpressionError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const rest = source.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let value = '';
      let end = index + 1;
      for (;;) {
        if (end >= source.length) throw new ExpressionError(`Unterminated string in "${source}"`);
        if (source[end] === "'") {
          if (source[end + 1] === "'") {
            value += "'";
            end += 2;
            continue;
          }
          break;
        }
        value += source[end];
        end += 1;
      }
      tokens.push({ kind: 'string', value });
      index = end + 1;
      continue;
    }
    const op = /^(==|!=|&&|\|\||<=|>=|[!()[\].,*<>])/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', value: op[0] });
      index += op[0].length;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      index += word[0].length;
      continue;
    }
    throw new ExpressionError(`Unexpected "${rest[0]}" in "${source}"`);
  }
  return tokens;
}

/** Objects filtered by `*` keep a marker so a further `.name` maps over the elements. */
const FILTERED = Symbol('filtered');
type Filtered = Value[] & { [FILTERED]?: true };

function filtered(values: Value[]): Filtered {
  const list = values as Filtered;
  list[FILTERED] = true;
  return list;
}

function property(target: Value | undefined, name: string): Value {
  if (Array.isArray(target) && (target as Filtered)[FILTERED]) {
    return filtered(target.map((item) => property(item, name)).filter((item) => item !== null));
  }
  if (target === null || target === undefined || typeof target !== 'object' || Array.isArray(target)) return null;
  const key = Object.keys(target).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : target[key];
}

export function truthy(value: Value): boolean {
  return !(value === null || value === false || value === '' || value === 0);
}

export function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  const number = (v: Value) => (v === null ? 0 : typeof v === 'boolean' ? Number(v) : v === '' ? 0 : Number(v));
  return number(a) === number(b);
}

class Parser {
  private position = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly context: ExpressionContext,
    private readonly source: string,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.position < this.tokens.length) this.fail('unexpected token');
    return value;
  }

  private fail(what: string): never {
    throw new ExpressionError(`${what} in "${this.source}"`);
  }

  private peek(value: string): boolean {
    const token = this.tokens[this.position];
    return token?.kind === 'op' && token.value === value;
  }

  private take(value: string): boolean {
    if (!this.peek(value)) return false;
    this.position += 1;
    return true;
  }

  private or(): Value {
    let left = this.and();
    while (this.take('||')) {
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.take('&&')) {
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    for (;;) {
      if (this.take('==')) left = equal(left, this.unary());
      else if (this.take('!=')) left = !equal(left, this.unary());
      else return left;
    }
  }

  private unary(): Value {
    if (this.take('!')) return !truthy(this.unary());
    return this.postfix(this.primary());
  }

  private postfix(start: Value): Value {
    let value = start;
    for (;;) {
      if (this.take('.')) {
        if (this.take('*')) {
          value = filtered(
            value && typeof value === 'object' ? (Array.isArray(value) ? value : Object.values(value)) : [],
          );
          continue;
        }
        const token = this.tokens[this.position++];
        if (token?.kind !== 'word') this.fail('expected a property name');
        value = property(value, token.value);
      } else if (this.take('[')) {
        const key = this.or();
        if (!this.take(']')) this.fail('expected ]');
        value = Array.isArray(value) && typeof key === 'number' ? (value[key] ?? null) : property(value, toText(key));
      } else {
        return value;
      }
    }
  }

  private primary(): Value {
    const token = this.tokens[this.position++];
    if (!token) this.fail('unexpected end');
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'op') {
      if (token.value !== '(') this.fail(`unexpected "${token.value}"`);
      const inner = this.or();
      if (!this.take(')')) this.fail('expected )');
      return inner;
    }
    const word = token.value;
    if (word === 'true' || word === 'false') return word === 'true';
    if (word === 'null') return null;
    if (this.take('(')) {
      const args: Value[] = [];
      if (!this.take(')')) {
        do args.push(this.or());
        while (this.take(','));
        if (!this.take(')')) this.fail('expected )');
      }
      return this.call(word, args);
    }
    const contexts = this.context.contexts;
    const name = Object.keys(contexts).find((key) => key.toLowerCase() === word.toLowerCase());
    if (name === undefined) this.fail(`unknown context "${word}"`);
    return contexts[name];
  }

  private call(name: string, args: Value[]): Value {
    const status = this.context.status;
    switch (name.toLowerCase()) {
      case 'success':
      case 'failure':
      case 'cancelled':
      case 'always': {
        if (!status) this.fail(`${name}() is not available here`);
        return status[name.toLowerCase() as keyof StatusFunctions]();
      }
      case 'contains': {
        const [haystack, needle] = args;
        if (Array.isArray(haystack)) return haystack.some((item) => equal(item, needle));
        return toText(haystack).toLowerCase().includes(toText(needle).toLowerCase());
      }
      case 'startswith':
        return toText(args[0]).toLowerCase().startsWith(toText(args[1]).toLowerCase());
      case 'endswith':
        return toText(args[0]).toLowerCase().endsWith(toText(args[1]).toLowerCase());
      case 'format':
        return toText(args[0]).replace(/\{(\d+)\}/g, (_match, index: string) =>
          toText(args[Number(index) + 1] ?? null),
        );
      case 'join': {
        const separator = args.length > 1 ? toText(args[1]) : ',';
        return Array.isArray(args[0]) ? args[0].map(toText).join(separator) : toText(args[0]);
      }
      case 'tojson':
        return JSON.stringify(args[0], null, 2);
      case 'fromjson':
        return JSON.parse(toText(args[0])) as Value;
      default:
        return this.fail(`unknown function ${name}()`);
    }
  }
}

/** Evaluates one expression (the text between `${{` and `}}`, or an `if:` condition). */
export function evaluate(expression: string, context: ExpressionContext): Value {
  return new Parser(tokenize(expression), context, expression).parse();
}

/** Replaces every `${{ }}` in a string; a value that is a lone expression keeps its type. */
export function interpolate(template: string, context: ExpressionContext): Value {
  const lone = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(template);
  if (lone && !lone[1].includes('}}')) return evaluate(lone[1], context);
  return template.replace(/\$\{\{([\s\S]*?)\}\}/g, (_match, inner: string) => toText(evaluate(inner, context)));
}

/** An `if:` condition: `${{ }}` optional, and without a status function it also needs success(). */
export function condition(source: string | boolean | undefined, context: ExpressionContext): boolean {
  if (source === undefined) return context.status?.success() ?? true;
  const text = String(source)
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const usesStatus = /\b(success|failure|cancelled|always)\s*\(/i.test(text);
  const result = truthy(evaluate(text, context));
  return usesStatus ? result : (context.status?.success() ?? true) && result;
}
