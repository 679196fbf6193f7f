/**
 * A duration in milliseconds written the way the duration inputs take it (the `duration` parser of
 * `@sophia/inputs` reads it back): the largest whole unit of h, m, s (`90000` → `90s`, `120000` → `2m`),
 * else `<n>ms`. Shared by the input messages and the health gate's report.
 */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
