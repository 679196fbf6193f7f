import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { shellCommand, shellQuote } from '@sophia/ssh';

const run = promisify(execFile);

/** What a real POSIX sh receives as arguments when it parses our command line. */
async function argumentsSeenBySh(args: string[]): Promise<string[]> {
  const { stdout } = await run('sh', ['-c', shellCommand(['printf', '%s\\0', ...args])], { encoding: 'buffer' });
  const fields = stdout.toString('utf8').split('\0');
  fields.pop(); // after the last terminator
  return fields;
}

const SHELL_PIECES = [
  "'",
  '"',
  '\\',
  '`',
  '$(',
  ')',
  '${',
  '}',
  '$HOME',
  '$1',
  '$@',
  '*',
  '?',
  '[a]',
  '~',
  '!',
  '#',
  ';',
  '&',
  '&&',
  '|',
  '<',
  '>',
  '>>',
  '(',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r',
  '-',
  '--',
  '-rf',
  '=',
  'a=b',
  '%s',
  '\\n',
  'é',
  'ß',
  '日本',
  '😀',
  'rm -rf /',
  "'\\''",
  '$(id)',
  '`id`',
  '\u00a0',
  '\u202e',
];

const shellyString = fc.array(fc.constantFrom(...SHELL_PIECES), { maxLength: 12 }).map((parts) => parts.join(''));
const anyString = fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => !text.includes('\0'));
const argument = fc.oneof(shellyString, anyString, fc.string({ maxLength: 20 }));

test('any argument reaches a real sh byte for byte', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(argument, { minLength: 1, maxLength: 8 }), async (args) => {
      expect(await argumentsSeenBySh(args)).toEqual(args);
    }),
    { numRuns: 300, seed: 20261123 },
  );
});

test('the edge cases round-trip: empty, only quotes, leading dashes, newlines, substitutions', async () => {
  const args = [
    '',
    "'",
    "''",
    '"\'"',
    '-n',
    '--',
    '-e \\n',
    '\n',
    'a\nb\n',
    '$(touch /tmp/pwned)',
    '`id`',
    ' lead',
    'trail ',
    '😀 ü',
  ];
  expect(await argumentsSeenBySh(args)).toEqual(args);
});

test('a word that looks like an assignment stays a command name', async () => {
  expect(shellCommand(['FOO=bar'])).toBe("'FOO=bar'");
  await expect(run('sh', ['-c', shellCommand(['FOO=bar'])])).rejects.toMatchObject({ code: 127 });
});

test('plain words stay readable; everything else is single-quoted', () => {
  expect(shellCommand(['mkdir', '-p', '/srv/site/releases/r-1.2_3'])).toBe('mkdir -p /srv/site/releases/r-1.2_3');
  expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  expect(shellQuote('')).toBe("''");
  expect(shellQuote('~root')).toBe("'~root'");
});

test('refuses what no argv can carry', () => {
  expect(() => shellQuote('a\0b')).toThrow('NUL byte');
  expect(() => shellCommand([])).toThrow('program name');
  expect(() => shellQuote(42 as unknown as string)).toThrow('must be a string');
});
