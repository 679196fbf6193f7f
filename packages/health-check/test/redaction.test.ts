import { Redactor } from '@sophia/health-check';

describe('Redactor', () => {
  const token = 'tok/9Ab+cd%2Fef';
  const redactor = new Redactor([['Authorization', `Bearer ${token}`]]);
  const hex = (text: string): string => Buffer.from(text).toString('hex');

  it.each([
    ['as sent', `a ${token} b`],
    ['percent-decoded, as a server that decodes it echoes it', 'a tok/9Ab+cd/ef b'],
    ['with \\/ for /', 'a tok\\/9Ab+cd%2Fef b'],
    ['as \\u00XX escapes, either case', 'a \\u0074\\u006F\\u006b\\u002f9Ab\\u002Bcd%2Fef b'],
    ['in a mix of \\/, \\u00XX, \\x escapes and percent escapes', 'a t\\x6fk\\/9\\u0041b%2bcd\\u00252Fef b'],
    ['wrapped over lines and indented', 'a tok/9\n    Ab+cd%2\n    Fef b'],
    ['with HTML character references', 'a tok&#x2F;9&#65;b&#43;cd&amp;#37;2Fef b'],
    ['with HTML named references', 'a tok&sol;9Ab&plus;cd%2Fef b'],
    ['in upper case', `a ${token.toUpperCase()} b`],
    ['as hex of its bytes, either case', `a ${hex(token)} ${hex(token).toUpperCase()} b`],
  ])('masks the token %s, and only it', (_name, text) => {
    expect(redactor.redact(text)).toMatch(/^a \*\*\*( \*\*\*)? b$/);
  });

  it('masks a secret and every escape that stood for part of it, however long the text', () => {
    const body = `${'{"ok":true}\n'.repeat(50_000)}{"echo":"tok\\/9Ab\\u002bcd%2Fef"}`;
    expect(redactor.redact(body).endsWith('{"echo":"***"}')).toBe(true);
  });

  it('takes every query value of a health URL for a secret, but flags and numbers', () => {
    const urls = [new URL('https://health.example/healthz?token=qs-tok-77a1&sig=c2ln%2Bab&verbose=true&limit=50&v=2')];
    const masked = new Redactor([], urls);
    expect(masked.url(urls[0].href)).toBe('https://health.example/healthz?token=***&sig=***&verbose=true&limit=50&v=2');
    expect(masked.redact('echo: QS-TOK-77A1, c2ln+ab')).toBe('echo: ***, ***');
  });
});
