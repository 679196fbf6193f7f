import {
  boolean,
  commandLine,
  duration,
  httpUrl,
  integer,
  matching,
  oneOf,
  refuseNonLine,
  releaseId,
  text,
} from '../src/index.js';

describe('integer', () => {
  it('names the input and the range', () => {
    expect(() => integer(1, 100)('keep-releases', '0')).toThrow(
      'Input "keep-releases" must be an integer from 1 to 100, got "0"',
    );
    expect(integer(1, 100)('keep-releases', ' 5 ')).toBe(5);
  });

  it.each([
    ['1', 1],
    ['100', 100],
    ['007', 7],
  ])('reads %j', (raw, value) => expect(integer(1, 100)('n', raw)).toBe(value));

  it('accepts negative numbers inside the range', () => expect(integer(-5, 5)('n', '-5')).toBe(-5));

  it.each(['101', '-1', '1.5', '1e2', '+3', 'ten', '', ' ', '0x10', '99999999999999999999'])('refuses %j', (raw) => {
    expect(() => integer(1, 100)('keep-releases', raw)).toThrow(
      `Input "keep-releases" must be an integer from 1 to 100, got ${JSON.stringify(raw)}`,
    );
  });
});

describe('boolean (YAML 1.2 core schema)', () => {
  it.each(['true', 'True', 'TRUE', ' true '])('reads %j as true', (raw) => expect(boolean('x', raw)).toBe(true));
  it.each(['false', 'False', 'FALSE'])('reads %j as false', (raw) => expect(boolean('x', raw)).toBe(false));
  it.each(['yes', 'no', 'on', 'off', '1', '0', 'tRUE', 'y', ''])(
    'refuses %j (YAML 1.1 words are not booleans)',
    (raw) => {
      expect(() => boolean('dry-run', raw)).toThrow(
        `Input "dry-run" must be a boolean (true or false), got ${JSON.stringify(raw)}`,
      );
    },
  );
});

describe('duration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1500],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('reads %j as %d ms', (raw, ms) => expect(duration()('timeout', raw)).toBe(ms));

  it.each(['30', '5 m', '5min', '1d', '-5s', 's', '', '1m 30s', '1,5s'])('refuses %j', (raw) => {
    expect(() => duration()('timeout', raw)).toThrow(
      `Input "timeout" must be a duration such as 500ms, 30s, 5m or 1h, got ${JSON.stringify(raw)}`,
    );
  });

  it('refuses values outside the range, naming the range', () => {
    expect(() => duration({ minMs: 1000, maxMs: 600_000 })('connect-timeout', '500ms')).toThrow(
      'Input "connect-timeout" must be a duration from 1s to 10m, got "500ms"',
    );
    expect(() => duration({ minMs: 1000, maxMs: 600_000 })('connect-timeout', '11m')).toThrow(
      'Input "connect-timeout" must be a duration from 1s to 10m, got "11m"',
    );
    expect(() => duration()('timeout', '25h')).toThrow('Input "timeout" must be a duration from 0ms to 24h, got "25h"');
  });
});

describe('oneOf', () => {
  const mode = oneOf(['deploy', 'audit'] as const);
  it('reads a choice', () => expect(mode('mode', ' audit ')).toBe('audit'));
  it.each(['Deploy', 'delete', ''])('refuses %j, listing the choices', (raw) => {
    expect(() => mode('mode', raw)).toThrow(`Input "mode" must be one of deploy, audit, got ${JSON.stringify(raw)}`);
  });
});

describe('matching', () => {
  it('reads and refuses by pattern, in the words given', () => {
    const word = matching(/^[a-z]+$/, 'lower-case letters');
    expect(word('w', 'abc')).toBe('abc');
    expect(() => word('w', 'ab1')).toThrow('Input "w" must be lower-case letters, got "ab1"');
  });
});

describe('releaseId', () => {
  it.each(['20260101120000-3f78685', 'v1.2.3', 'a', 'A_b-c.d', 'x'.repeat(64)])('reads %j', (raw) =>
    expect(releaseId('release-id', raw)).toBe(raw),
  );
  it.each(['', '.', '..', 'a/b', 'a b', 'x'.repeat(65), 'rel$', 'ünïcode', '.x.partial', '-rf', '_tmp'])(
    'refuses %j',
    (raw) => {
      expect(() => releaseId('release-id', raw)).toThrow(
        `Input "release-id" must be a release id of 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit, got ${JSON.stringify(raw)}`,
      );
    },
  );
});

describe('httpUrl with credentials', () => {
  it('never quotes a password, however the URL is malformed or long', () => {
    const password = 'P4ssw0rdVerySecretValue';
    for (const raw of [
      `https://deploy:ab/${password}@health.example.com/health`,
      `https://deploy:ab?${password}@health.example.com/health`,
      `https://${'u'.repeat(80)}:${password}@health.example.com:99999/health`,
      `http://deploy:12#${password}@127.0.0.1/health`,
    ]) {
      let message = '';
      try {
        httpUrl('urls', raw);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Input "urls" must be an http:\/\/ or https:\/\/ URL/);
      expect(message).toContain('***@');
      expect(message).not.toContain(password.slice(0, 6));
    }
  });
});

describe('httpUrl', () => {
  it('reads http and https URLs', () => {
    expect(httpUrl('smoke-url', 'https://sophia.example/health').href).toBe('https://sophia.example/health');
    expect(httpUrl('smoke-url', 'http://127.0.0.1:8080/').port).toBe('8080');
  });
  it.each(['ftp://sophia.example/', 'sophia.example/health', 'http://', 'file:///etc/passwd'])('refuses %j', (raw) => {
    expect(() => httpUrl('smoke-url', raw)).toThrow(
      `Input "smoke-url" must be an http:// or https:// URL, got ${JSON.stringify(raw)}`,
    );
  });
});

describe('commandLine and control characters', () => {
  it('reads one line, trimmed', () => expect(commandLine('cmd', ' sudo -n nginx -t ')).toBe('sudo -n nginx -t'));
  it.each(['nginx -t\nrm -rf /', 'nginx -t\r', 'a\u0000b'])('refuses %j', (raw) => {
    expect(() => commandLine('nginx-test-command', raw)).toThrow(
      'Input "nginx-test-command" must not contain NUL or line breaks',
    );
    expect(() => refuseNonLine('x', raw)).toThrow('Input "x" must not contain NUL or line breaks');
  });
  it('refuses a command or path longer than PATH_MAX, naming the input and not the value', () => {
    expect(() => commandLine('kubectl-command', 'k'.repeat(100_000))).toThrow(
      'Input "kubectl-command" must be at most 4096 characters, got 100000',
    );
    expect(commandLine('kubectl-command', 'k'.repeat(4096))).toHaveLength(4096);
  });
  it('keeps text verbatim', () => expect(text('x', ' a\nb ')).toBe(' a\nb '));
});
