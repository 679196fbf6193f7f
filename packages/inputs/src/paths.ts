import { InputError, mustBe, type Parser } from './input-error.js';

/**
 * The longest path or command line an input may hold: Linux's PATH_MAX. Longer values cannot name a
 * file (the kernel answers ENAMETOOLONG), so they are refused here, naming the input.
 */
export const MAX_PATH_CHARS = 4096;

/** Refuses NUL, line breaks and values longer than MAX_PATH_CHARS, naming the input. */
export function refuseNonLine(name: string, raw: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000\n\r]/.test(raw)) throw new InputError(name, `Input "${name}" must not contain NUL or line breaks`);
  if (raw.length > MAX_PATH_CHARS) {
    throw new InputError(name, `Input "${name}" must be at most ${MAX_PATH_CHARS} characters, got ${raw.length}`);
  }
}

/**
 * An absolute path on a remote host, normalised (duplicate and trailing slashes removed).
 * `/` itself is refused because deploys create and prune directories below the path.
 */
export const remotePath: Parser<string> = (name, raw) => {
  refuseNonLine(name, raw);
  const trimmed = raw.trim();
  if (!trimmed.startsWith('/')) throw mustBe(name, 'an absolute path (starting with /)', raw);
  const segments = trimmed.split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    throw mustBe(name, 'an absolute path without "." or ".." segments', raw);
  }
  if (segments.length === 0) throw mustBe(name, 'a directory below / (not / itself)', raw);
  return '/' + segments.join('/');
};

/**
 * A local path on the runner, relative to the workspace (the working directory) or absolute. The
 * workflow author chooses it, so it is not confined to the checkout; it only has to be one clean line.
 */
export const workspacePath: Parser<string> = (name, raw) => {
  refuseNonLine(name, raw);
  const trimmed = raw.trim();
  if (trimmed.length === 0) throw mustBe(name, 'a path in the workspace', raw);
  return trimmed;
};
