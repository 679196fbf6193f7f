import { splitList } from './collections.js';
import { maskSecret, type RunnerHooks } from './runner-hooks.js';
import { mustBe } from './input-error.js';
import { headerSecrets, secretForms, urlSecrets } from '@sophia/reporting';

/** The secrets of every `Name: value` line, whatever its shape, so a malformed line cannot reveal a token. */
export function headerLineSecrets(raw: string): string[] {
  return splitList(raw, 'newline').flatMap((line) => {
    const at = line.indexOf(':');
    const value = (at >= 0 ? line.slice(at + 1) : line).trim();
    return value ? headerSecrets(value) : [];
  });
}

/**
 * `text` with the userinfo of a leading URL (everything between `://` and the last `@` of the
 * first whitespace-free token, whatever it holds) replaced by `***`, for quoting a URL in a message
 * before it is shortened: the runner masks only whole secrets, so a cut one would show its start.
 * Wider than the URL parser's authority on purpose: a password with an unencoded / ? # must not
 * show either.
 */
export function hideUrlUserinfo(text: string): string {
  return text.replace(/^(\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/)\S*@/, '$1***@');
}

/**
 * Registers with the runner every header value, the credentials inside it and their encoded forms,
 * before the headers are parsed, so that a malformed line cannot reveal a token in an error.
 */
export function maskHeaderValues(raw: string, mask: RunnerHooks['mask']): void {
  for (const secret of headerLineSecrets(raw)) for (const form of secretForms(secret)) maskSecret(form, mask);
}

/**
 * Registers the secrets of each URL in a list input (one per line: userinfo credentials and query
 * values, see urlSecrets) and their encoded forms.
 */
export function maskUrlSecrets(raw: string, mask: RunnerHooks['mask']): void {
  for (const line of splitList(raw, 'newline')) {
    for (const secret of urlSecrets(line)) for (const form of secretForms(secret)) maskSecret(form, mask);
  }
}

/**
 * A token sent in the Authorization header (a GITHUB_TOKEN, a personal access token): one word, as
 * an HTTP header value cannot hold a line break and a token holds no space. Returns it trimmed.
 * Throws InputError naming the input, without quoting the token.
 */
export function headerToken(name: string, raw: string): string {
  const token = raw.trim();
  if (/\s/.test(token)) throw mustBe(name, 'a token: one word, without spaces or line breaks', raw, true);
  return token;
}
