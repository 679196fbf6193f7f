/**
 * Every error the SSH layer throws lives here; none of them is an `InputError` (that is the inputs
 * layer's, thrown while inputs are read). Messages name the input a user would fix, as a hint.
 */

/**
 * The private key cannot be used: its body cannot be parsed (`reason: 'unreadable'`, usually a
 * partial paste) or it cannot be decrypted with the passphrase given (`reason: 'passphrase'`).
 * Raised before any connection is attempted; never retried.
 */
export class SshKeyError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'passphrase',
    message: string,
  ) {
    super(message);
    this.name = 'SshKeyError';
  }
}

/** The server is not the one the user said to trust. Never retried: retrying cannot make an impostor genuine. */
export class HostKeyError extends Error {
  constructor(
    readonly host: string,
    readonly presentedFingerprint: string,
    readonly expectedFingerprints: string[],
    message: string,
  ) {
    super(message);
    this.name = 'HostKeyError';
  }
}

/** The server refused our key. Never retried: the same key will be refused again. */
export class SshAuthError extends Error {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'SshAuthError';
  }
}

/** No usable connection after every attempt (refused, timed out, dropped during the handshake). */
export class SshConnectError extends Error {
  constructor(
    readonly host: string,
    readonly attempts: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SshConnectError';
  }
}

/** An established connection failed while a command was running or about to run. */
export class SshConnectionLostError extends Error {
  constructor(
    readonly host: string,
    readonly purpose: string,
    message: string,
  ) {
    super(message);
    this.name = 'SshConnectionLostError';
  }
}

const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last lines of a command's stderr: where tools print why they failed. */
export function stderrTail(stderr: string): string {
  const lines = stderr.replace(/\s+$/, '').split('\n');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
}

/** A remote command ended with an exit code its caller did not allow. */
export class RemoteCommandError extends Error {
  readonly stderrTail: string;
  constructor(
    readonly host: string,
    readonly purpose: string,
    readonly code: number | null,
    readonly signal: string | undefined,
    readonly stderr: string,
    ending = code === null ? `killed by signal ${signal ?? 'unknown'}` : `exit code ${code}`,
  ) {
    const tail = stderrTail(stderr);
    super(`${purpose} failed on ${host} (${ending})${tail ? `:\n${tail}` : ' with no error output'}`);
    this.name = 'RemoteCommandError';
    this.stderrTail = tail;
  }
}
