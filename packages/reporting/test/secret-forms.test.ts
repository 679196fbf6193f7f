import { headerSecrets, secretForms } from '../src/index.js';

describe('header secrets, whatever the scheme', () => {
  it('take the credential after any scheme, and the value of each auth-param', () => {
    expect(headerSecrets('Token token="tok-4f9a2c"')).toEqual(
      expect.arrayContaining(['Token token="tok-4f9a2c"', 'token="tok-4f9a2c"', 'tok-4f9a2c']),
    );
    expect(headerSecrets('Acme-HMAC keyId="k-31", signature="c2lnbmF0dXJl"')).toEqual(
      expect.arrayContaining(['c2lnbmF0dXJl']),
    );
    expect(headerSecrets('X-Custom opaque-credential-77')).toEqual(expect.arrayContaining(['opaque-credential-77']));
  });
  it('take each cookie value', () => {
    expect(headerSecrets('session=sess-9b1e7d; csrf="csrf-c0ffee"')).toEqual(
      expect.arrayContaining(['sess-9b1e7d', 'csrf-c0ffee']),
    );
  });
  it('keep a base64 token whole, and decode only a base64 user:password', () => {
    expect(headerSecrets('Bearer YWJjZGVmZ2g=')).toEqual(['Bearer YWJjZGVmZ2g=', 'YWJjZGVmZ2g=']);
  });
});

describe('secret forms', () => {
  const secret = 'tok/9+a b&c=d"e';
  const forms = secretForms(secret);
  it('cover percent-encoding, upper and lower case, and form encoding', () => {
    expect(forms).toEqual(
      expect.arrayContaining([
        encodeURIComponent(secret),
        encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
        new URLSearchParams({ s: secret }).toString().slice(2),
        JSON.stringify(secret).slice(1, -1),
      ]),
    );
    const inPath = new URL(`http://h/x/${encodeURIComponent(secret)}`).pathname;
    expect(forms.some((form) => inPath.includes(form))).toBe(true);
  });
  it('find the secret inside base64 of a longer text, at any alignment', () => {
    for (const before of ['', 'a', 'ab', '{"token":"']) {
      const encoded = Buffer.from(`${before}${secret}", "more": 1}`).toString('base64');
      expect(forms.some((form) => encoded.includes(form))).toBe(true);
      const url = Buffer.from(`${before}${secret}!`).toString('base64url');
      expect(forms.some((form) => url.includes(form))).toBe(true);
    }
  });
  it('include the hex of its bytes', () => {
    expect(forms).toContain(Buffer.from(secret).toString('hex'));
  });
  it('include the hex of its bytes separated by colons or dashes, as fingerprints show them', () => {
    const pairs = Buffer.from(secret).toString('hex').match(/../g)!;
    expect(forms).toEqual(expect.arrayContaining([pairs.join(':'), pairs.join('-')]));
  });
  it('are none for a value shorter than 4 characters, which is no secret', () => {
    expect(secretForms('on')).toEqual([]);
    expect(secretForms('0')).toEqual([]);
  });
});
