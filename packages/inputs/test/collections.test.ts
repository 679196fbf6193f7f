import {
  bodyMatcher,
  headers,
  keyValueMap,
  listOf,
  maskHeaderValues,
  splitList,
  statusRanges,
  text,
} from '../src/index.js';
import { runnerInputHooks } from '@sophia/action-runtime';
import { headerSecrets } from '@sophia/reporting';
import { captureStdout, maskedValues } from './capture-stdout.js';

describe('lists', () => {
  it('splits on newlines and commas, trims, and drops blanks', () => {
    expect(splitList('a, b\n\n c ,,\r\nd\n')).toEqual(['a', 'b', 'c', 'd']);
  });
  it('splits only on newlines when asked, so entries may hold commas', () => {
    expect(splitList('app=api,tier=web\n  \nb', 'newline')).toEqual(['app=api,tier=web', 'b']);
  });
  it('parses every entry and names the input in an entry error', () => {
    const ints = listOf((name, raw) => {
      if (!/^\d+$/.test(raw)) throw new Error(`Input "${name}" bad entry ${raw}`);
      return Number(raw);
    });
    expect(ints('codes', '1,2\n3')).toEqual([1, 2, 3]);
    expect(() => ints('codes', '1,x')).toThrow('Input "codes" bad entry x');
    expect(listOf(text)('empty', ' \n , ')).toEqual([]);
  });
});

describe('key=value maps', () => {
  const map = keyValueMap();
  it('reads lines, splitting at the first "="', () => {
    expect([...map('images', 'api=ghcr.io/sophia/api:1.2\n web = nginx:1.27 \nq=a=b\nempty=')]).toEqual([
      ['api', 'ghcr.io/sophia/api:1.2'],
      ['web', 'nginx:1.27'],
      ['q', 'a=b'],
      ['empty', ''],
    ]);
  });
  it.each(['api', '=value', 'api:1.2'])('refuses the entry %j', (entry) => {
    expect(() => map('images', `ok=1\n${entry}`)).toThrow(
      `Input "images" must be a list of key=value entries, got ${JSON.stringify(entry)}`,
    );
  });
  it('refuses a repeated key', () => {
    expect(() => map('images', 'api=a:1\napi=a:2')).toThrow('Input "images" names "api" twice');
  });
  it('checks keys with the parser given', () => {
    const upper = keyValueMap({
      key: (name, key) => {
        if (key !== key.toUpperCase()) throw new Error(`Input "${name}" key ${key} is not upper-case`);
        return key;
      },
    });
    expect(() => upper('env', 'A=1\nb=2')).toThrow('Input "env" key b is not upper-case');
  });
});

describe('headers', () => {
  it('reads "Name: value" lines; values may contain colons', () => {
    expect(headers('headers', 'Authorization: Bearer a:b\nX-Empty:\n  Accept:  text/html  ')).toEqual([
      ['Authorization', 'Bearer a:b'],
      ['X-Empty', ''],
      ['Accept', 'text/html'],
    ]);
  });
  it.each(['no colon here', ': value', 'Bad Name: value', 'Bad(name): v'])(
    'refuses %j without echoing the value',
    (line) => {
      const error = (() => {
        try {
          headers('headers', line);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error('expected an error');
      })();
      expect(error.message).toBe(
        'Input "headers" must be lines of "Name: value", got a line without a valid header name',
      );
    },
  );
  it.each([
    ['a carriage return', 'X-A: foo\rInjected: 1'],
    ['a NUL', 'X-A: foo\u0000bar'],
    ['a character above U+00FF', 'X-A: ünïcødé€'],
  ])('refuses a value with %s, naming the input and header, without echoing the value', (_, line) => {
    expect(() => headers('headers', line)).toThrow(
      'Input "headers": the value of header "X-A" must be visible ASCII or Latin-1 characters, spaces or tabs (no line breaks, NUL or characters above U+00FF)',
    );
  });
  it('accepts Latin-1 values, as Node sends them', () => {
    expect(headers('headers', 'X-A: ünïcødé\tok')).toEqual([['X-A', 'ünïcødé\tok']]);
  });
  it('refuses a value longer than 8 KiB, and keeps the message short', () => {
    expect(headers('headers', `X-A: ${'v'.repeat(8192)}`)).toEqual([['X-A', 'v'.repeat(8192)]]);
    expect(() => headers('headers', `X-A: ${'v'.repeat(100_000)}`)).toThrow(
      'Input "headers": the value of header "X-A" is 100000 bytes, more than the 8192 servers commonly accept',
    );
    const longName = `X-${'n'.repeat(100_000)}`;
    const error = (() => {
      try {
        headers('headers', `${longName}: \u0000`);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected an error');
    })();
    expect(error.message).toContain('headers');
    expect(error.message.length).toBeLessThan(400);
  });
  it('masks every value before parsing, so a bad line cannot reveal a token', () => {
    const stdout = captureStdout(() =>
      maskHeaderValues(
        'Authorization: Bearer s3cret-token\nX-Api-Key:key-12345\nno colon secret',
        runnerInputHooks.mask,
      ),
    );
    expect(maskedValues(stdout)).toEqual(
      expect.arrayContaining(['Bearer s3cret-token', 'key-12345', 'no colon secret']),
    );
  });
});

describe('header secrets', () => {
  it('are the whole value and the credential after a well-known scheme, longest first', () => {
    expect(headerSecrets('Bearer eyJhbGciOi.payload.sig')).toEqual([
      'Bearer eyJhbGciOi.payload.sig',
      'eyJhbGciOi.payload.sig',
    ]);
    expect(headerSecrets('token ghp_abcdef123456')).toEqual(['token ghp_abcdef123456', 'ghp_abcdef123456']);
    expect(headerSecrets('ApiKey k-123456')).toEqual(['ApiKey k-123456', 'k-123456']);
    expect(headerSecrets('application/json')).toEqual(['application/json']);
  });
  it('leave out a value shorter than 4 characters, which is no credential', () => {
    expect(headerSecrets('0')).toEqual([]);
    expect(headerSecrets('2')).toEqual([]);
    expect(headerSecrets('Bearer abc')).toEqual(['Bearer abc']);
  });
  it('register no short value with the runner, which would mask every such digit in the log', () => {
    const stdout = captureStdout(() =>
      maskHeaderValues('X-Debug: 0\nX-Api-Version: 2\nAuthorization: Bearer tok-98765', runnerInputHooks.mask),
    );
    const masked = maskedValues(stdout);
    expect(masked).toEqual(expect.arrayContaining(['tok-98765']));
    expect(masked).not.toContain('0');
    expect(masked).not.toContain('2');
  });
  it('include the decoded user:password of Basic and the password alone', () => {
    const basic = Buffer.from('deploy:s3cret-pw').toString('base64');
    expect(headerSecrets(`Basic ${basic}`)).toEqual([`Basic ${basic}`, basic, 'deploy:s3cret-pw', 's3cret-pw']);
  });
  it('are all masked before the headers are parsed', () => {
    const basic = Buffer.from('deploy:s3cret-pw').toString('base64');
    const stdout = captureStdout(() =>
      maskHeaderValues(`Authorization: Bearer tok-98765\nProxy-Authorization: Basic ${basic}`, runnerInputHooks.mask),
    );
    expect(maskedValues(stdout)).toEqual(expect.arrayContaining(['tok-98765', basic, 's3cret-pw', 'deploy:s3cret-pw']));
  });
});

describe('status ranges', () => {
  it.each([
    ['200-299', [{ from: 200, to: 299 }]],
    ['200', [{ from: 200, to: 200 }]],
    [
      '200-299, 301,404',
      [
        { from: 200, to: 299 },
        { from: 301, to: 301 },
        { from: 404, to: 404 },
      ],
    ],
    ['100 - 599', [{ from: 100, to: 599 }]],
  ])('reads %j', (raw, ranges) => expect(statusRanges('expected-status', raw)).toEqual(ranges));

  it.each([
    ['2xx', '2xx'],
    ['99', '99'],
    ['600', '600'],
    ['299-200', '299-200'],
    ['200-600', '200-600'],
    ['200,abc', 'abc'],
    ['', ''],
  ])('refuses %j, quoting %j', (raw, quoted) => {
    expect(() => statusRanges('expected-status', raw)).toThrow(
      `Input "expected-status" must be HTTP status codes or ranges from 100 to 599, such as 200-299,301, got ${JSON.stringify(quoted)}`,
    );
  });
});

describe('body matcher', () => {
  it('reads plain text as a substring, untrimmed', () => {
    expect(bodyMatcher('expected-body', '"status":"ok"')).toEqual({ kind: 'substring', text: '"status":"ok"' });
    expect(bodyMatcher('expected-body', '/health')).toEqual({ kind: 'substring', text: '/health' });
  });
  it('reads /regex/flags, ignoring the stateful g and y flags', () => {
    const matcher = bodyMatcher('expected-body', '/"status":\\s*"(ok|up)"/gi');
    expect(matcher.kind).toBe('regex');
    if (matcher.kind !== 'regex') return;
    expect(matcher.regex.text).toBe('/"status":\\s*"(ok|up)"/gi');
    expect(matcher.regex.test('{"STATUS": "UP"}')).toBe(true);
    expect(matcher.regex.test('{"STATUS": "UP"}')).toBe(true);
    expect(matcher.regex.test('{"STATUS": "DOWN"}')).toBe(false);
  });
  it('honours the m and s flags as JavaScript does', () => {
    const multiline = bodyMatcher('expected-body', '/^ready$/m');
    const dotAll = bodyMatcher('expected-body', '/a.b/s');
    if (multiline.kind !== 'regex' || dotAll.kind !== 'regex') throw new Error('not read as regexes');
    expect(multiline.regex.test('starting\nready\n')).toBe(true);
    expect(dotAll.regex.test('a\nb')).toBe(true);
    const plain = bodyMatcher('expected-body', '/a.b/');
    if (plain.kind !== 'regex') throw new Error('not read as a regex');
    expect(plain.regex.test('a\nb')).toBe(false);
  });
  it('matches a pathological pattern in linear time: /^(a+)+$/ against 41 a and a "!"', () => {
    const matcher = bodyMatcher('expected-body', '/^(a+)+$/');
    if (matcher.kind !== 'regex') throw new Error('not read as a regex');
    // Backtracking engines take 2^41 steps here; this returns at once or the test times out.
    expect(matcher.regex.test(`${'a'.repeat(41)}!`)).toBe(false);
    expect(matcher.regex.test('a'.repeat(41))).toBe(true);
  });
  it('refuses an invalid regular expression, with the reason', () => {
    expect(() => bodyMatcher('expected-body', '/(unclosed/')).toThrow(
      /^Input "expected-body" must be a valid \/regex\/ in RE2 syntax, without backreferences or lookarounds \(.*missing closing \).*\), got "\/\(unclosed\/"$/,
    );
  });
  it('refuses backreferences and unknown flags, saying what RE2 syntax lacks', () => {
    expect(() => bodyMatcher('expected-body', '/(a)\\1/')).toThrow(/without backreferences or lookarounds/);
    expect(() => bodyMatcher('expected-body', '/ok/x')).toThrow(
      'Input "expected-body" must be /regex/ with flags among i, m, s (g, u and y are ignored), got "/ok/x"',
    );
  });
});
