/**
 * failureSignature tells outages apart by what fails, not by counts or timings: two reports of the
 * same outage compare equal, a URL failing another way or another URL failing does not.
 */
import { failureSignature, UrlTally, type HealthReport, type UrlReport } from '@sophia/health-check';

/** A URL's report as the gate starts it (UrlTally), after five probes with the given `fields`. */
function url(address: string, fields: Partial<UrlReport>): UrlReport {
  return { ...new UrlTally(address).snapshot(), probes: 5, latencyMs: { p50: 3, max: 9 }, ...fields };
}

function report(urls: UrlReport[], fields: Partial<HealthReport> = {}): HealthReport {
  return {
    healthy: false,
    outcome: 'timeout',
    reason: 'unhealthy',
    rounds: 5,
    passedRounds: 0,
    failedRounds: 5,
    timeToHealthySeconds: null,
    elapsedSeconds: 5,
    urls,
    ...fields,
  };
}

const site = 'https://sophia.example/healthz.json';
const api = 'https://api.sophia.example/healthz';

test('the same outage with other counts and latencies has the same signature', () => {
  const first = report([url(site, { wrongStatus: 5, lastStatus: 503 }), url(api, { passes: 5 })]);
  const later = report(
    [
      url(site, { probes: 9, wrongStatus: 9, lastStatus: 503, latencyMs: { p50: 40, max: 90 } }),
      url(api, { probes: 9, passes: 9 }),
    ],
    { rounds: 9, elapsedSeconds: 9.5 },
  );
  expect(failureSignature(first)).toBe(`${site} status 5xx`);
  expect(failureSignature(later)).toBe(failureSignature(first));
});

test('an outage alternating 502 and 503, timing out or flapping, with a URL failing one probe among passes, is one outage', () => {
  const first = report([url(site, { wrongStatus: 5, lastStatus: 502 }), url(api, { passes: 5 })]);
  const second = report(
    [url(site, { wrongStatus: 5, lastStatus: 503 }), url(api, { passes: 4, wrongStatus: 1, lastStatus: 500 })],
    {
      outcome: 'flapping',
    },
  );
  expect(failureSignature(second)).toBe(failureSignature(first));
});

test('another status class, an error kind, a wrong body or another failing URL changes it; healthy is empty', () => {
  const signatures = [
    report([url(site, { wrongStatus: 5, lastStatus: 503 })]),
    report([url(site, { wrongStatus: 5, lastStatus: 404 })]),
    report([url(site, { errors: 5, lastError: 'connect ECONNREFUSED', lastErrorKind: 'refused' })]),
    report([url(site, { wrongBody: 5, lastStatus: 200 })]),
    report([url(site, { wrongStatus: 5, lastStatus: 503 }), url(api, { wrongStatus: 5, lastStatus: 503 })]),
  ].map(failureSignature);
  expect(new Set(signatures).size).toBe(signatures.length);
  expect(signatures[2]).toBe(`${site} refused`);
  expect(signatures[3]).toBe(`${site} body`);
  expect(failureSignature(report([url(site, { passes: 5 })], { healthy: true, outcome: 'healthy' }))).toBe('');
});
