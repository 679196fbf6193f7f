/**
 * failureSignature tells outages apart by what fails, not by counts, timings or the latest probe:
 * two reports of the same outage compare equal, a URL failing another way or another URL failing
 * does not.
 */
import { failureSignature, UrlTally, type HealthReport, type ProbeResult, type UrlReport } from '@sophia/health-check';

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
  const first = report([
    url(site, { wrongStatus: 5, lastStatus: 503, failureKinds: { 'status 5xx': 5 } }),
    url(api, { passes: 5 }),
  ]);
  const later = report(
    [
      url(site, {
        probes: 9,
        wrongStatus: 9,
        lastStatus: 503,
        failureKinds: { 'status 5xx': 9 },
        latencyMs: { p50: 40, max: 90 },
      }),
      url(api, { probes: 9, passes: 9 }),
    ],
    { rounds: 9, elapsedSeconds: 9.5 },
  );
  expect(failureSignature(first)).toEqual([`${site} status 5xx`]);
  expect(failureSignature(later)).toEqual(failureSignature(first));
});

test('an outage alternating 502 and 503, timing out or flapping, with a URL failing one probe among passes, is one outage', () => {
  const first = report([
    url(site, { wrongStatus: 5, lastStatus: 502, failureKinds: { 'status 5xx': 5 } }),
    url(api, { passes: 5 }),
  ]);
  const second = report(
    [
      url(site, { wrongStatus: 5, lastStatus: 503, failureKinds: { 'status 5xx': 5 } }),
      url(api, { passes: 4, wrongStatus: 1, lastStatus: 500, failureKinds: { 'status 5xx': 1 } }),
    ],
    { outcome: 'flapping' },
  );
  expect(failureSignature(second)).toEqual(failureSignature(first));
});

test('another status class, an error kind, a wrong body or another failing URL changes it; healthy is empty', () => {
  const signatures = [
    report([url(site, { wrongStatus: 5, lastStatus: 503, failureKinds: { 'status 5xx': 5 } })]),
    report([url(site, { wrongStatus: 5, lastStatus: 404, failureKinds: { 'status 4xx': 5 } })]),
    report([url(site, { errors: 5, lastError: 'connect ECONNREFUSED', failureKinds: { refused: 5 } })]),
    report([url(site, { wrongBody: 5, lastStatus: 200, failureKinds: { body: 5 } })]),
    report([
      url(site, { wrongStatus: 5, lastStatus: 503, failureKinds: { 'status 5xx': 5 } }),
      url(api, { wrongStatus: 5, lastStatus: 503, failureKinds: { 'status 5xx': 5 } }),
    ]),
  ].map((each) => failureSignature(each).join('; '));
  expect(new Set(signatures).size).toBe(signatures.length);
  expect(signatures[2]).toBe(`${site} refused`);
  expect(signatures[3]).toBe(`${site} body`);
  expect(failureSignature(report([url(site, { passes: 5 })], { healthy: true, outcome: 'healthy' }))).toEqual([]);
});

/** A probe of `site` as the gate reports it. */
function probe(fields: Partial<ProbeResult>): ProbeResult {
  return {
    url: site,
    finalUrl: site,
    verdict: 'pass',
    status: 200,
    detail: '',
    latencyMs: 5,
    redirects: [],
    ...fields,
  };
}

test('a URL is labelled by how it failed most, not by its last probe: a pass or a probe the deadline cut changes nothing', () => {
  const tallied = (probes: ProbeResult[]): HealthReport => {
    const tally = new UrlTally(site);
    for (const each of probes) tally.add(each);
    return report([tally.snapshot()]);
  };
  const unavailable = probe({ verdict: 'wrong-status', status: 503, detail: 'status 503' });
  const wrongBody = probe({ verdict: 'wrong-body', detail: 'body does not contain "ok"' });
  const cut = probe({
    verdict: 'error',
    status: undefined,
    errorKind: 'timeout',
    detail: 'timeout',
    inconclusive: true,
  });
  const lastPassed = tallied([unavailable, probe({}), unavailable, wrongBody, probe({})]);
  const lastCut = tallied([unavailable, unavailable, probe({}), unavailable, cut]);
  // Before, the last answer (200) labelled the first `status 2xx`, and the cut probe the second `timeout`.
  expect(failureSignature(lastPassed)).toEqual([`${site} status 5xx`]);
  expect(failureSignature(lastCut)).toEqual([`${site} status 5xx`]);
  expect(lastCut.urls[0].failureKinds).toEqual({ 'status 5xx': 3 });
  // A timeout the URL's own request-timeout ended is how it fails, and counts.
  const timingOut = probe({ verdict: 'error', status: undefined, errorKind: 'timeout', detail: 'timeout' });
  expect(failureSignature(tallied([timingOut, timingOut, unavailable]))).toEqual([`${site} timeout`]);
});

test("a probe the deadline cut does not replace a URL's last conclusive error, and is the error only when none came before", () => {
  const tally = new UrlTally(site);
  const cut = (ms: number): ProbeResult =>
    probe({
      verdict: 'error',
      status: undefined,
      errorKind: 'timeout',
      detail: `no answer within ${ms} ms (what was left of timeout)`,
      inconclusive: true,
    });
  const untrusted = probe({
    verdict: 'error',
    status: undefined,
    errorKind: 'tls',
    detail: 'TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
  });
  tally.add(cut(700));
  expect(tally.snapshot()).toMatchObject({ lastError: 'no answer within 700 ms (what was left of timeout)' });
  tally.add(untrusted);
  tally.add(cut(3));
  expect(tally.snapshot()).toMatchObject({
    errors: 3,
    lastErrorKind: 'tls',
    lastError: 'TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    failureKinds: { tls: 1 },
  });
});
