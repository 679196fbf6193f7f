/**
 * Whom a job's GITHUB_TOKEN writes as on github.com (GitHub docs, "Automatic token
 * authentication"). A GitHub App's installation token writes as `<app-slug>[bot]`; a personal
 * access token as its user. GET /user does not answer an installation token (403), so the
 * author is told, not asked.
 */
export const DEFAULT_COMMENT_AUTHOR = 'github-actions[bot]';

/**
 * Whether an issue or comment was written by `author` (a login; compared without case, as GitHub
 * compares logins). What this suite finds again by a hidden marker must also be written by the
 * token's author: anyone who may open an issue or comment can copy the marker into their own text.
 */
export function writtenBy(written: { user?: { login?: string } | null }, author: string): boolean {
  return written.user?.login?.toLowerCase() === author.toLowerCase();
}

/**
 * The warning when GitHub shows `written` (a login) as the author of what this suite just
 * created, not `asked`, the login the input named `input` gives: later runs look for what
 * `asked` wrote and will not find it. Undefined when they match (without case) or GitHub showed none.
 * `what` names the text, such as `The plan comment`.
 */
export function authorMismatch(what: string, written: string, input: string, asked: string): string | undefined {
  if (!written || written.toLowerCase() === asked.toLowerCase()) return undefined;
  return `${what} was written as "${written}", not as ${input} "${asked}": the next run looks for what "${asked}" wrote and will not find it. Set ${input}: ${written}`;
}
