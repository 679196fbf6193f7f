// Apart from the reader so that parsers (secrets.ts) can mask values without importing the reader,
// which imports the parsers.

/**
 * What reading inputs needs from the runner: registering a secret so the log masks it, and a
 * warning about a risky but valid setting. The action passes the runner's (`runnerInputHooks` in
 * `@sophia/action-runtime`); this package never talks to the runner itself.
 */
export interface RunnerHooks {
  /** Registers one exact string to be masked in the job's log (`::add-mask::`). */
  mask(secret: string): void;
  warn(message: string): void;
}

/**
 * The runner matches masks line by line, so a multi-line secret is also masked one line at a time.
 * Lines shorter than 4 characters are left out: masking them would censor ordinary words everywhere.
 */
export function maskSecret(value: string, mask: RunnerHooks['mask']): void {
  if (!value.trim()) return;
  mask(value);
  const lines = new Set(value.split(/\r?\n/).map((line) => line.trim()));
  for (const line of lines) {
    if (line.length >= 4 && line !== value) mask(line);
  }
}
