import { PRIVATE_KEY_SHAPE } from '@sophia/ssh';
import { inputsFrom, InputReader, readSshInputs } from '../src/index.js';
import { runnerInputHooks } from '@sophia/action-runtime';
import { captureStdout, maskedValues } from './capture-stdout.js';

const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIHdQ3m3s0Zh7ySxlQpmM4Z8Sd0P8tY0n6n2b0kq9Q2dP';
const FINGERPRINT = 'SHA256:' + 'a'.repeat(43);
const DEFAULTS = {
  port: '22',
  'insecure-skip-host-key-check': 'false',
  'connect-timeout': '30s',
  'connect-attempts': '3',
};
const VALID = { ...DEFAULTS, host: '104.171.202.117', user: 'deploy', 'ssh-key': KEY, 'host-fingerprint': FINGERPRINT };

function read(values: Record<string, string>) {
  let settings: ReturnType<typeof readSshInputs> | undefined;
  let error: Error | undefined;
  const stdout = captureStdout(() => {
    try {
      settings = readSshInputs(new InputReader(inputsFrom(values), runnerInputHooks));
    } catch (caught) {
      error = caught as Error;
    }
  });
  return { settings, error, stdout };
}

describe('readSshInputs', () => {
  it('reads a complete set', () => {
    const { settings, error } = read({ ...VALID, 'ssh-key-passphrase': 'pass phrase' });
    expect(error).toBeUndefined();
    expect(settings).toEqual({
      hosts: [{ host: '104.171.202.117' }],
      port: 22,
      user: 'deploy',
      privateKey: KEY,
      passphrase: 'pass phrase',
      hostKeys: { kind: 'fingerprint', fingerprint: FINGERPRINT },
      connectTimeoutMs: 30_000,
      connectAttempts: 3,
    });
  });

  it('masks the key (every line) and the passphrase before anything else', () => {
    const { stdout } = read({ ...VALID, host: 'bad_host', 'ssh-key-passphrase': 'pass phrase' });
    expect(maskedValues(stdout)).toEqual(
      expect.arrayContaining([KEY, 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', 'pass phrase']),
    );
  });

  it.each([
    [{ host: '' }, 'Input "host" is required'],
    [{ port: '0' }, 'Input "port" must be an integer from 1 to 65535, got "0"'],
    [{ user: '' }, 'Input "user" is required'],
    [{ user: 'de ploy' }, 'Input "user" must be a user name, got "de ploy"'],
    [{ 'ssh-key': '' }, 'Input "ssh-key" is required'],
    [{ 'connect-timeout': '500ms' }, 'Input "connect-timeout" must be a duration from 1s to 10m, got "500ms"'],
    [{ 'connect-attempts': '11' }, 'Input "connect-attempts" must be an integer from 1 to 10, got "11"'],
    [
      { 'insecure-skip-host-key-check': 'yes' },
      'Input "insecure-skip-host-key-check" must be a boolean (true or false), got "yes"',
    ],
    [
      { 'host-fingerprint': 'MD5:aa:bb' },
      'Input "host-fingerprint" must be a host key fingerprint such as SHA256:<43 base64 characters> (ssh-keygen -lf prints it), got "MD5:aa:bb"',
    ],
  ])('reports %j as %j', (change, message) => {
    expect(read({ ...VALID, ...change }).error?.message).toBe(message);
  });

  it('reports a malformed key without quoting it', () => {
    const { error } = read({ ...VALID, 'ssh-key': 'not a key at all, mostly-secret-text' });
    expect(error?.message).toBe(
      `Input "ssh-key" must be a private key in OpenSSH or PEM form, got a value that does not fit; a private key is ${PRIVATE_KEY_SHAPE}`,
    );
    expect(error?.message).not.toContain('mostly-secret-text');
  });

  it('says a public key was given instead of the private one', () => {
    const { error } = read({ ...VALID, 'ssh-key': `ssh-ed25519 ${ED25519} deploy@ci` });
    expect(error?.message).toMatch(
      /^Input "ssh-key" holds a public key \(the \.pub file\), not the private key; a private key is a "-----BEGIN/,
    );
    expect(error?.message).not.toContain(ED25519);
  });

  it.each([
    ['pasted on one line', KEY.replace(/\n/g, ' ')],
    ['with its newlines removed', KEY.replace(/\n/g, '')],
  ])('says what a key looks like and that its line breaks were lost when it was %s', (_how, key) => {
    const { error } = read({ ...VALID, 'ssh-key': key });
    expect(error?.message).toBe(
      `Input "ssh-key" is a private key on one line: its line breaks were lost (a one-line field, or newlines turned into spaces); store the file as it is; a private key is ${PRIVATE_KEY_SHAPE}`,
    );
    expect(error?.message).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
  });

  it('says when the line breaks were written as \\n', () => {
    const { error } = read({ ...VALID, 'ssh-key': KEY.replace(/\n/g, '\\n') });
    expect(error?.message).toMatch(/^Input "ssh-key" has "\\n" written where its line breaks should be/);
  });

  it.each([
    `104.171.202.117 ssh-ed25519 ${ED25519}`,
    `[104.171.202.117]:2222 ssh-ed25519 ${ED25519}`,
    `|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 ${ED25519}`,
    `@cert-authority *.sophia.example ssh-ed25519 ${ED25519}`,
    `# comment\n\nweb-1,104.171.202.117 ssh-rsa ${ED25519} comment`,
  ])('accepts the known_hosts content %j', (knownHosts) => {
    const { settings, error } = read({ ...VALID, 'host-fingerprint': '', 'known-hosts': knownHosts });
    expect(error).toBeUndefined();
    expect(settings?.hostKeys).toEqual({ kind: 'known-hosts', knownHosts });
  });

  it.each(['web-1 ssh-ed25519', 'web-1 ssh-ed25519 not*base64', '# only a comment'])(
    'refuses the known_hosts content %j',
    (line) => {
      const { error } = read({ ...VALID, 'host-fingerprint': '', 'known-hosts': line });
      expect(error?.message).toMatch(
        /^Input "known-hosts" must be known_hosts lines \("host key-type base64-key"\), got "/,
      );
    },
  );

  it('refuses a host named with and without the port the port input gives it', () => {
    const { settings, error } = read({ ...VALID, host: '127.0.0.1, 127.0.0.1:43903', port: '43903' });
    expect(settings).toBeUndefined();
    expect(error?.message).toBe(
      'Input "host" must be a list without repeated hosts (127.0.0.1:43903 is named twice; an entry without a port uses 43903), got "127.0.0.1, 127.0.0.1:43903"',
    );
  });

  it('needs a way to verify the host', () => {
    expect(read({ ...VALID, 'host-fingerprint': '' }).error?.message).toBe(
      'Input "known-hosts" or input "host-fingerprint" is required to verify the server (or set insecure-skip-host-key-check: true)',
    );
  });

  it('refuses both known-hosts and host-fingerprint', () => {
    expect(read({ ...VALID, 'known-hosts': `web-1 ssh-ed25519 ${ED25519}` }).error?.message).toBe(
      'Give either input "known-hosts" or input "host-fingerprint", not both',
    );
  });

  it('skips host key checks only when asked, with a warning', () => {
    const { settings, stdout } = read({ ...VALID, 'host-fingerprint': '', 'insecure-skip-host-key-check': 'true' });
    expect(settings?.hostKeys).toEqual({ kind: 'insecure' });
    expect(stdout).toContain('::warning::insecure-skip-host-key-check is true');
  });
});
