import { urlCredentialSecrets, urlQuerySecrets } from '@sophia/reporting';
import { hideUrlUserinfo, maskUrlSecrets } from '../src/index.js';
import { runnerInputHooks } from '@sophia/action-runtime';
import { captureStdout, maskedValues } from './capture-stdout.js';

describe('URL credentials', () => {
  it('are the userinfo, decoded too, the password and the Basic credential Node sends for it', () => {
    expect(urlCredentialSecrets('https://deploy:p%40ss-w0rd@health.example/healthz')).toEqual(
      expect.arrayContaining([
        'deploy:p%40ss-w0rd',
        'deploy:p@ss-w0rd',
        'p%40ss-w0rd',
        'p@ss-w0rd',
        Buffer.from('deploy:p@ss-w0rd').toString('base64'),
      ]),
    );
    expect(urlCredentialSecrets('https://health.example/a@b')).toEqual([]);
    // A password with an unencoded / or # is masked whole, though the URL parser reads it as host and port.
    for (const raw of [
      'https://deploy:ab/P4ssw0rdSecret@health.example/health',
      'http://deploy:12#P4ssw0rdSecret@127.0.0.1/h',
    ]) {
      const secrets = urlCredentialSecrets(raw);
      expect(secrets.some((secret) => secret.endsWith('P4ssw0rdSecret') && secret.includes(':') === false)).toBe(true);
    }
    expect(hideUrlUserinfo('https://deploy:ab/P4ssw0rdSecret@health.example/health')).toBe(
      'https://***@health.example/health',
    );
  });
  it('are masked even when the URL does not parse, before any error can quote it', () => {
    const stdout = captureStdout(() =>
      maskUrlSecrets('https://deploy:pw-1234@[bad-host/healthz', runnerInputHooks.mask),
    );
    expect(maskedValues(stdout)).toEqual(expect.arrayContaining(['pw-1234', 'deploy:pw-1234']));
  });
});

describe('URL query values', () => {
  it('are secrets, as written and decoded, unless a flag, a number or shorter than 4 characters', () => {
    expect(
      urlQuerySecrets('https://h/health?access_token=a%2Fb-c1&key=k3y&sig=c2ln+Zw&debug=true&n=1200#frag'),
    ).toEqual(expect.arrayContaining(['a%2Fb-c1', 'a/b-c1', 'c2ln+Zw', 'c2ln Zw']));
    const secrets = urlQuerySecrets('https://h/health?access_token=a%2Fb-c1&key=k3y&sig=c2ln+Zw&debug=true&n=1200');
    for (const plain of ['k3y', 'true', '1200', 'access_token']) expect(secrets).not.toContain(plain);
    // A bare query is a secret whole, even when the URL does not parse.
    expect(urlQuerySecrets('https://[bad?opaque-token-1')).toEqual(['opaque-token-1']);
    expect(urlQuerySecrets('https://h/health')).toEqual([]);
  });
  it('take a number of 8 digits or more for a secret (a numeric token), a shorter one not', () => {
    const secrets = urlQuerySecrets('https://h/health?token=98765432109876543210&pin=12345678&limit=1234567');
    expect(secrets).toEqual(expect.arrayContaining(['98765432109876543210', '12345678']));
    expect(secrets).not.toContain('1234567');
  });
  it('include the parameters of the fragment, as an implicit grant returns them, but not a bare anchor', () => {
    const secrets = urlQuerySecrets('https://h/health?k=abcd1#access_token=frag-secret-123&state=st%2Fate-9');
    expect(secrets).toEqual(expect.arrayContaining(['abcd1', 'frag-secret-123', 'st%2Fate-9', 'st/ate-9']));
    expect(urlQuerySecrets('https://h/health#readme-section')).toEqual([]);
    expect(urlQuerySecrets('https://[bad#access_token=frag-secret-123')).toEqual(['frag-secret-123']);
  });
  it('are masked with the runner in the fragment too', () => {
    const stdout = captureStdout(() =>
      maskUrlSecrets('https://h/health?token=98765432109876543210#access_token=frag-secret-123', runnerInputHooks.mask),
    );
    expect(maskedValues(stdout)).toEqual(expect.arrayContaining(['98765432109876543210', 'frag-secret-123']));
  });
  it('are masked with the runner before any error can quote them', () => {
    const stdout = captureStdout(() => maskUrlSecrets('https://h/health?token=qs-tok-9911', runnerInputHooks.mask));
    expect(maskedValues(stdout)).toEqual(expect.arrayContaining(['qs-tok-9911']));
  });
});
