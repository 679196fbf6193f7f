/**
 * The one way a remote command line is built. The remote side runs it through the login shell (`sh -c`
 * semantics), so every argument is rendered as a single POSIX shell word: data can never become syntax.
 */

// Words made only of these characters mean themselves in sh. `=` and `~` are absent on purpose: a leading
// `NAME=` word is an assignment and a leading `~` expands.
const SELF_QUOTING = /^[A-Za-z0-9_@%+,./:-]+$/;

/**
 * `arg` as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted (POSIX "Shell Command
 * Language", 2.2.3).
 * @throws TypeError for a non-string, Error for a NUL byte (no shell word can hold one).
 */
export function shellQuote(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`A remote command argument must be a string, got ${typeof arg}`);
  if (arg.includes('\0')) throw new Error('A remote command argument cannot contain a NUL byte');
  if (SELF_QUOTING.test(arg)) return arg;
  // Inside single quotes nothing is special except the closing quote itself, which is spliced as '\''.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The argv as one command line for the remote shell (OpenSSH sends a command as a single string), each word quoted by
 * shellQuote.
 */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('A remote command needs at least the program name');
  return argv.map(shellQuote).join(' ');
}
