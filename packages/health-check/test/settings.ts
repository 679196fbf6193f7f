import { statusRanges } from '@sophia/inputs';
import { fileURLToPath } from 'node:url';
import type { HealthCheckSettings, RegexThread } from '@sophia/health-check';

/**
 * The regex thread for the sources: regex-thread.ts loaded through tsx, as Node cannot run TypeScript
 * itself (the action's bundle names its own entry instead).
 */
export const SOURCE_REGEX_THREAD: RegexThread = {
  filename: `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(
    fileURLToPath(new URL('./regex-thread.ts', import.meta.url)),
  )}, ${JSON.stringify(import.meta.url)}))`,
  options: { eval: true },
};

/** Gate settings for tests: fast rounds, 200-299 expected, no body check; `overrides` win. */
export function gateSettings(urls: string[], overrides: Partial<HealthCheckSettings> = {}): HealthCheckSettings {
  return {
    urls: urls.map((url) => new URL(url)),
    expectedStatus: statusRanges('expected-status', '200-299'),
    method: 'GET',
    headers: [],
    intervalMs: 50,
    requestTimeoutMs: 1000,
    timeoutMs: 5000,
    initialDelayMs: 0,
    successThreshold: 3,
    failureThreshold: 3,
    insecureTls: false,
    regexThread: SOURCE_REGEX_THREAD,
    ...overrides,
  };
}

/**
 * Timing for a gate of exactly one round, which the server's answer decides: the next round would start
 * after the timeout, so the gate stops when the first one ends, and that round has the whole 30 s timeout
 * for its answer. For tests of how an answer is judged, on a runner of any speed.
 */
export const ONE_ROUND: Pick<HealthCheckSettings, 'intervalMs' | 'timeoutMs'> = {
  intervalMs: 60_000,
  timeoutMs: 30_000,
};
