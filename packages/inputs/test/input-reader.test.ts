import { inputsFrom, InputReader, maskSecret, text } from '../src/index.js';
import { runnerInputHooks } from '@sophia/action-runtime';
import { captureStdout, maskedValues } from './capture-stdout.js';

describe('InputReader', () => {
  const reader = new InputReader(
    inputsFrom({ given: ' value ', blank: '  \n ', list: '\n a\n b \n' }),
    runnerInputHooks,
  );

  it('reads exactly one of two inputs, naming the first when both or neither are given', () => {
    const either = (values: Record<string, string>) =>
      new InputReader(inputsFrom(values), runnerInputHooks).exactlyOne(['a', text], ['b', text], ' (the thing)');
    expect(either({ a: 'x' })).toEqual({ first: 'x' });
    expect(either({ b: 'y' })).toEqual({ second: 'y' });
    expect(() => either({ a: 'x', b: 'y' })).toThrow(
      expect.objectContaining({ input: 'a', message: 'Give either input "a" or input "b", not both' }),
    );
    expect(() => either({ a: ' ' })).toThrow(
      expect.objectContaining({ input: 'a', message: 'Input "a" or input "b" is required (the thing)' }),
    );
  });

  it('trims required values and reports missing ones by name', () => {
    expect(reader.required('given')).toBe('value');
    expect(reader.required('list')).toBe('a\n b');
    expect(() => reader.required('blank')).toThrow('Input "blank" is required');
    expect(() => reader.required('absent')).toThrow('Input "absent" is required');
  });

  it('returns undefined for blank optional values and parses given ones', () => {
    expect(reader.optional('blank')).toBeUndefined();
    expect(reader.optional('given', (_name, raw) => raw.length)).toBe(5);
    expect(reader.given('given')).toBe(true);
    expect(reader.given('blank')).toBe(false);
    expect(reader.raw('given')).toBe(' value ');
  });

  it('passes the input name to the parser', () => {
    expect(() =>
      reader.required('given', (name) => {
        throw new Error(`parser saw ${name}`);
      }),
    ).toThrow('parser saw given');
    expect(text('x', 'y')).toBe('y');
  });
});

describe('secrets', () => {
  const key =
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\nQyNTUxOQAAACDx\nab\n-----END OPENSSH PRIVATE KEY-----\n';

  it('masks the whole value and each line of a multi-line secret', () => {
    const masks = maskedValues(captureStdout(() => maskSecret(key, runnerInputHooks.mask)));
    expect(masks[0]).toBe(key);
    expect(masks).toEqual(
      expect.arrayContaining([
        'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU',
        'QyNTUxOQAAACDx',
        '-----END OPENSSH PRIVATE KEY-----',
      ]),
    );
    // Lines this short would censor ordinary log text everywhere; the whole value still covers them.
    expect(masks).not.toContain('ab');
  });

  it('masks nothing for a blank value', () => {
    expect(captureStdout(() => maskSecret(' \n', runnerInputHooks.mask))).toBe('');
  });

  it('masks a secret input before reporting it missing or returning it, once per input', () => {
    const reader = new InputReader(inputsFrom({ 'ssh-key': key, token: 'tok-123456' }), runnerInputHooks);
    const stdout = captureStdout(() => {
      reader.maskSecrets('token', 'ssh-key');
      expect(reader.secret('ssh-key', { required: true })).toBe(key);
      expect(reader.secret('token', { required: false })).toBe('tok-123456');
      expect(reader.secret('passphrase', { required: false })).toBeUndefined();
      expect(() => reader.secret('kubeconfig', { required: true })).toThrow('Input "kubeconfig" is required');
    });
    const masks = maskedValues(stdout);
    expect(masks.filter((mask) => mask === 'tok-123456')).toHaveLength(1);
    expect(masks.filter((mask) => mask === key)).toHaveLength(1);
  });
});
