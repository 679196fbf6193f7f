import { statusRanges } from '@sophia/inputs';
import type { HealthCheckSettings } from '@sophia/health-check';

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
    ...overrides,
  };
}
