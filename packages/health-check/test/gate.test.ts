import { bodyMatcher, statusRanges } from '@sophia/inputs';
import {
  classifyProbeError,
  GateState,
  median,
  Redactor,
  runHealthCheck,
  settleWithin,
  UNTRUSTED_CERTIFICATE_HINT,
  type RoundResult,
} from '@sophia/health-check';
import { gateSettings, ONE_ROUND } from './settings.js';
import {
  closedPort,
  reply,
  selfSignedCertificate,
  startServer,
  type TestServer,
  unexpectedProbes,
} from '@sophia-testing/http-servers';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

const settings = gateSettings;

describe('settleWithin', () => {
  it('abandons work that never settles at its limit, and keeps the answer of work that does', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(settleWithin(never, 20, () => 'abandoned')).resolves.toBe('abandoned');
    await expect(settleWithin(Promise.resolve('answer'), 10_000, () => 'abandoned')).resolves.toBe('answer');
  });
});

describe('GateState', () => {
  it('treats failures before the first pass as start-up and needs consecutive passes', () => {
    const state = new GateState(2, 2);
    expect([false, false, false, false].map((passed, i) => state.record(passed, i))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(state.record(true, 4)).toBeUndefined();
    expect(state.record(false, 5)).toBeUndefined();
    expect(state.record(true, 6)).toBeUndefined();
    expect(state.healthySince).toBe(6);
    expect(state.record(true, 7)).toBe('healthy');
  });

  it('fails on failure-threshold failed rounds after the first pass, in a row or not', () => {
    const state = new GateState(3, 3);
    const decisions = [true, false, true, false, true, false].map((passed, i) => state.record(passed, i));
    expect(decisions).toEqual([undefined, undefined, undefined, undefined, undefined, 'flapping']);
  });
});

describe('median', () => {
  it('is the nearest-rank median', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5, 3])).toBe(3);
    expect(median([9, 1, 5])).toBe(5);
  });
});

describe('runHealthCheck', () => {
  it('passes once a starting service answers well three rounds in a row, timed from the first of them', async () => {
    // Counted in requests, not milliseconds, so a loaded machine changes nothing the test looks at.
    const server = await serve((_req, res, self) =>
      self.requests.length <= 4 ? reply(res, 503, 'starting') : reply(res, 200, 'ok v1'),
    );
    const rounds: RoundResult[] = [];
    const report = await runHealthCheck(settings([server.url], { onRound: (round) => rounds.push(round) }));
    expect(report.healthy).toBe(true);
    expect(report.outcome).toBe('healthy');
    // decided on the third passing round, not later
    expect(rounds.map((round) => round.passed)).toEqual([false, false, false, false, true, true, true]);
    expect(report.rounds).toBe(7);
    expect(report.timeToHealthySeconds).toBe(rounds[4].atSeconds);
    expect(report.elapsedSeconds).toBeGreaterThanOrEqual(rounds[6].atSeconds);
    const [url] = report.urls;
    expect(url).toMatchObject({ url: server.url, probes: 7, passes: 3, lastStatus: 200, errors: 0, wrongStatus: 4 });
    expect(url.latencyMs.p50).not.toBeNull();
    expect(url.latencyMs.max).toBeGreaterThanOrEqual(url.latencyMs.p50!);
  });

  it('keeps trying a service that never answers well until the timeout, then fails', async () => {
    const server = await serve((_req, res) => reply(res, 503, 'down'));
    const rounds: RoundResult[] = [];
    const report = await runHealthCheck(
      settings([server.url], { timeoutMs: 500, onRound: (round) => rounds.push(round) }),
    );
    expect(report.healthy).toBe(false);
    expect(report.outcome).toBe('timeout');
    // It stops only when the next round would start at or after the timeout: never an interval early. Told by
    // the report's own times, which no machine's speed can make disagree with its rule.
    expect(Math.round(rounds.at(-1)!.atSeconds * 1000) + 50).toBeGreaterThanOrEqual(500);
    expect(report.rounds).toBeGreaterThanOrEqual(2);
    expect(unexpectedProbes(report.urls[0], 'wrongStatus')).toEqual([]);
    expect(report.urls[0].lastMismatch).toBe('status 503, expected 200-299');
    expect(report.reason).toMatch(
      // The last round may have been cut short by the timeout itself, on a loaded machine.
      /^unhealthy: timeout 500ms reached after \d+ round\(s\), no round passed; last round: .*(status 503|what was left of timeout)/,
    );
  });

  it('fails a service that flaps after passing once failure-threshold rounds failed, long before the timeout', async () => {
    let answered = 0;
    const server = await serve((_req, res) => {
      answered += 1;
      // pass, pass, then alternate fail/pass: never 4 passes in a row
      reply(res, answered <= 2 || answered % 2 === 0 ? 200 : 500);
    });
    const report = await runHealthCheck(
      settings([server.url], { successThreshold: 4, failureThreshold: 3, timeoutMs: 600_000 }),
    );
    expect(report.healthy).toBe(false);
    // `flapping`, not `timeout`: it decided on the seventh round, not at the end of its 10 minutes.
    expect(report.outcome).toBe('flapping');
    expect(report.failedRounds).toBe(3);
    expect(report.rounds).toBe(7);
    expect(report.reason).toContain('3 failed round(s) after the first passing round (failure-threshold 3)');
  });

  it('refuses a body without the expected version, substring or regex', async () => {
    const server = await serve((_req, res) => reply(res, 200, '{"version":"1.4.1","commit":"aaaaaaa"}'));
    const stale = await runHealthCheck(
      settings([server.url], { expectedBody: bodyMatcher('expected-body', '"commit":"bbbbbbb"'), ...ONE_ROUND }),
    );
    expect(stale.healthy).toBe(false);
    expect(stale.urls[0]).toMatchObject({ probes: 1, wrongBody: 1 });
    expect(stale.urls[0].lastStatus).toBe(200);
    expect(stale.urls[0].lastMismatch).toBe(
      'body does not contain "\\"commit\\":\\"bbbbbbb\\"": "{\\"version\\":\\"1.4.1\\",\\"commit\\":\\"aaaaaaa\\"}"',
    );
    const regex = await runHealthCheck(
      settings([server.url], { expectedBody: bodyMatcher('expected-body', '/VERSION":"1\\.4\\./i') }),
    );
    expect(regex.healthy).toBe(true);
    const wrongRegex = await runHealthCheck(
      settings([server.url], { expectedBody: bodyMatcher('expected-body', '/"version":"2\\./'), ...ONE_ROUND }),
    );
    expect(wrongRegex.urls[0].lastMismatch).toMatch(/^body does not match \/"version":"2\\.\/: /);
  });

  it('follows redirects, reports them, and stops at loops', async () => {
    const server = await serve((req, res, self) => {
      if (req.url === '/health') return reply(res, 301, '', { location: '/v2/health' });
      if (req.url === '/v2/health') return reply(res, 302, '', { location: `${self.origin}/v3/health` });
      if (req.url === '/v3/health') return reply(res, 200, 'ok');
      return reply(res, 307, '', { location: req.url });
    });
    const report = await runHealthCheck(
      settings([server.url], { successThreshold: 1, followRedirects: 'same-origin' }),
    );
    expect(report.healthy).toBe(true);
    expect(report.urls[0].redirects).toEqual([
      { status: 301, from: server.url, to: `${server.origin}/v2/health` },
      { status: 302, from: `${server.origin}/v2/health`, to: `${server.origin}/v3/health` },
    ]);

    const expected301 = await runHealthCheck(
      settings([server.url], { successThreshold: 1, expectedStatus: statusRanges('expected-status', '301') }),
    );
    expect(expected301.healthy).toBe(true);
    expect(expected301.urls[0]).toMatchObject({ lastStatus: 301, redirects: [] });

    const rounds: RoundResult[] = [];
    const loop = await runHealthCheck(
      settings([`${server.origin}/loop`], {
        ...ONE_ROUND,
        maxRedirects: 3,
        followRedirects: 'same-origin',
        onRound: (round) => rounds.push(round),
      }),
    );
    expect(loop.healthy).toBe(false);
    expect(rounds[0].probes[0]).toMatchObject({
      errorKind: 'redirect',
      detail: `more than 3 redirects (last to ${server.origin}/loop)`,
    });
    expect(rounds[0].probes[0].redirects).toHaveLength(3);
  });

  it('reports a slow server as request-timeout errors, rounds back to back', async () => {
    const server = await serve(() => undefined);
    const rounds: RoundResult[] = [];
    const report = await runHealthCheck(
      settings([server.url], { requestTimeoutMs: 100, timeoutMs: 2000, onRound: (round) => rounds.push(round) }),
    );
    expect(rounds[0].probes[0]).toMatchObject({
      verdict: 'error',
      errorKind: 'timeout',
      detail: 'no answer within 100 ms (request-timeout)',
    });
    expect(report.healthy).toBe(false);
    expect(report.urls[0]).toMatchObject({
      errors: report.rounds,
      lastErrorKind: 'timeout',
      lastStatus: null,
      lastMismatch: null,
    });
    expect(report.urls[0].latencyMs).toEqual({ p50: null, max: null });
    // Each round lasts its 100 ms request-timeout, less at most the millisecond by which Node's whole-millisecond
    // timers may fire early, so no more than 21 fit; rounds started on the 50 ms interval regardless would be 40.
    expect(report.rounds).toBeLessThanOrEqual(21);
  });

  it('cuts a probe to what is left of the timeout, so a long request-timeout cannot stretch the gate', async () => {
    const server = await serve(() => undefined);
    const report = await runHealthCheck(settings([server.url], { requestTimeoutMs: 600_000, timeoutMs: 300 }));
    // Only the gate's own deadline can have ended this request: the server never answers.
    expect(report.outcome).toBe('timeout');
    expect(report.rounds).toBe(1);
    expect(report.urls[0].lastError).toMatch(/^no answer within \d+ ms \(what was left of timeout\)$/);
    // A hang guard only: the request-timeout is ten minutes.
    expect(report.elapsedSeconds).toBeLessThan(30);
  });

  it('needs every URL to pass and reports each apart; refused connections are probe errors', async () => {
    const good = await serve((_req, res) => reply(res, 200, 'ok'));
    const bad = await serve((_req, res) => reply(res, 404, 'no such page'));
    const refused = `http://127.0.0.1:${await closedPort()}/health`;
    const report = await runHealthCheck(settings([good.url, bad.url, refused], ONE_ROUND));
    expect(report.healthy).toBe(false);
    expect(report).toMatchObject({ rounds: 1, passedRounds: 0 });
    const [goodReport, badReport, refusedReport] = report.urls;
    expect(goodReport).toMatchObject({
      passes: report.rounds,
      probes: report.rounds,
      lastError: null,
      lastMismatch: null,
    });
    expect(badReport).toMatchObject({ passes: 0, wrongStatus: report.rounds, lastStatus: 404, lastError: null });
    expect(refusedReport).toMatchObject({ errors: report.rounds, lastErrorKind: 'refused', lastStatus: null });
    expect(refusedReport.lastError).toBe('connection refused (ECONNREFUSED)');
  });

  it('probes the URLs of a round in parallel', async () => {
    // No server answers until all three have been asked: probed one after another, the first would
    // wait for its answer until request-timeout and the round would fail.
    const waiting: Array<() => void> = [];
    const barrier = (_req: unknown, res: Parameters<typeof reply>[0]): void => {
      waiting.push(() => reply(res, 200, 'ok'));
      if (waiting.length === 3) waiting.splice(0).forEach((answer) => answer());
    };
    const urls = await Promise.all([serve(barrier), serve(barrier), serve(barrier)]);
    const report = await runHealthCheck(
      settings(
        urls.map((s) => s.url),
        { successThreshold: 1, requestTimeoutMs: 600_000 },
      ),
    );
    expect(report.healthy).toBe(true);
    expect(report.rounds).toBe(1);
  });

  it('sends method and headers to the URL origin only, never to another origin after a redirect', async () => {
    const other = await serve((_req, res) => reply(res, 200, 'ok'));
    const server = await serve((req, res) =>
      req.url === '/health' ? reply(res, 302, '', { location: `${other.origin}/health` }) : reply(res, 200, 'ok'),
    );
    const headers: Array<[string, string]> = [
      ['Authorization', 'Bearer s3cr3t-token'],
      ['X-Probe', 'gate'],
    ];
    const report = await runHealthCheck(
      settings([server.url], { successThreshold: 1, headers, method: 'HEAD', followRedirects: 'any' }),
    );
    expect(report.healthy).toBe(true);
    expect(server.requests[0]).toMatchObject({ method: 'HEAD' });
    expect(server.requests[0].headers).toMatchObject({ authorization: 'Bearer s3cr3t-token', 'x-probe': 'gate' });
    expect(other.requests[0].method).toBe('HEAD');
    expect(other.requests[0].headers.authorization).toBeUndefined();
    expect(JSON.stringify(report)).not.toContain('s3cr3t-token');
  });

  it('keeps URL credentials across a redirect to the same scheme, host and port, and drops them for any other', async () => {
    const other = await serve((_req, res) => reply(res, 200, 'ok'));
    const server = await serve((req, res) => {
      const hops: Record<string, string> = {
        // Absolute, same origin: the credentials stay.
        '/health': `${server.origin}/same`,
        // Same host, other host name for it: another origin.
        '/same': server.origin.replace('127.0.0.1', 'localhost') + '/renamed',
        // Userinfo the location names itself is not sent either.
        '/renamed': `http://intruder:loc-pw@127.0.0.1:${new URL(other.origin).port}/other-port`,
      };
      if (hops[req.url ?? '']) reply(res, 302, '', { location: hops[req.url ?? ''] });
      else reply(res, 200, 'ok');
    });
    const named = new URL(server.url);
    [named.username, named.password] = ['deploy', 'url-pw-77a1'];
    const basic = `Basic ${Buffer.from('deploy:url-pw-77a1').toString('base64')}`;
    const report = await runHealthCheck(
      settings([named.href], { successThreshold: 1, followRedirects: 'any', timeoutMs: 20_000 }),
    );
    expect(report.healthy).toBe(true);
    const sent = [...server.requests, ...other.requests].map((request) => [
      request.path,
      request.headers.authorization,
    ]);
    expect(sent).toEqual([
      ['/health', basic],
      ['/same', basic],
      ['/renamed', undefined],
      ['/other-port', undefined],
    ]);
    expect(JSON.stringify(report)).not.toContain('url-pw-77a1');
  });

  it('stops at once when cancelled, reporting only the rounds it completed', async () => {
    const server = await serve((_req, res, self) => {
      if (self.requests.length <= 2) reply(res, 503, 'starting');
    });
    const controller = new AbortController();
    const rounds: RoundResult[] = [];
    const cancelled = runHealthCheck(
      settings([server.url], {
        requestTimeoutMs: 600_000,
        timeoutMs: 600_000,
        signal: controller.signal,
        onRound: (round) => rounds.push(round),
      }),
    );
    while (server.requests.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const report = await cancelled;
    expect(report).toMatchObject({ healthy: false, outcome: 'cancelled', rounds: 2, failedRounds: 2 });
    expect(rounds).toHaveLength(2);
    expect(report.reason).toMatch(
      /^unhealthy: the run was cancelled after 2 round\(s\), no round passed; last round: /,
    );
  });

  it('waits initial-delay before the first round', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'));
    const rounds: RoundResult[] = [];
    const report = await runHealthCheck(
      settings([server.url], { initialDelayMs: 250, successThreshold: 1, onRound: (round) => rounds.push(round) }),
    );
    expect(report.healthy).toBe(true);
    // The round ended after it started, and it started no earlier than initial-delay, by the gate's own clock.
    expect(rounds[0].atSeconds).toBeGreaterThanOrEqual(0.25);
    // The server, started before the gate, heard of it no earlier either (its clock counts whole milliseconds).
    expect(server.requests[0].atMs).toBeGreaterThanOrEqual(249);
  });

  it('decides at once instead of sleeping out the interval', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'));
    const report = await runHealthCheck(
      settings([server.url], { intervalMs: 60_000, successThreshold: 1, timeoutMs: 120_000 }),
    );
    expect(report.healthy).toBe(true);
    // A hang guard: sleeping out the interval would take a minute.
    expect(report.elapsedSeconds).toBeLessThan(30);
    const down = await serve((_req, res) => reply(res, 500));
    const timedOut = await runHealthCheck(settings([down.url], { intervalMs: 60_000, timeoutMs: 30_000 }));
    expect(timedOut.rounds).toBe(1);
    expect(timedOut.elapsedSeconds).toBeLessThan(30);
    // The timeout was not reached: the message says why the gate stopped before it.
    expect(timedOut.reason).toMatch(
      /^unhealthy: the next round would start after timeout 30s \(interval 1m\), so the gate stopped after 1 round\(s\), no round passed; last round: .*status 500/,
    );
  });

  it('checks TLS certificates unless insecure-tls is set', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'), selfSignedCertificate());
    const rounds: RoundResult[] = [];
    await runHealthCheck(settings([server.url], { ...ONE_ROUND, onRound: (round) => rounds.push(round) }));
    expect(rounds[0].probes[0].errorKind).toBe('tls');
    expect(rounds[0].probes[0].detail).toMatch(
      /^TLS handshake failed: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\): trust its CA with the step's `env: NODE_EXTRA_CA_CERTS: <path of the CA's PEM file>`, or accept any certificate with input insecure-tls: true$/,
    );
    const insecure = await runHealthCheck(settings([server.url], { insecureTls: true, successThreshold: 1 }));
    expect(insecure.healthy).toBe(true);
  });

  it("replaces Node 24's advice to start Node with a flag by what a workflow can set", () => {
    // Node 24's own error for a self-signed certificate, as its TLS socket reports it.
    const node24 = Object.assign(
      new Error(
        'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
      ),
      { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    );
    const error = classifyProbeError(node24, new Redactor([]), new URL('https://127.0.0.1:8443/health'));
    expect(error.kind).toBe('tls');
    expect(error.message).toBe(
      `TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT): ${UNTRUSTED_CERTIFICATE_HINT}`,
    );
    const chain = Object.assign(
      new Error(
        'self-signed certificate in certificate chain; if the root CA is installed locally, try running Node.js with --use-system-ca',
      ),
      { code: 'SELF_SIGNED_CERT_IN_CHAIN' },
    );
    expect(classifyProbeError(chain, new Redactor([])).message).not.toContain('--use-system-ca');
    expect(classifyProbeError(chain, new Redactor([])).message).toContain('insecure-tls');
  });

  it('leaves no connection open when it ends', async () => {
    const server = await serve(() => undefined);
    await runHealthCheck(settings([server.url], { requestTimeoutMs: 600_000, timeoutMs: 1000 }));
    expect(server.requests.length).toBeGreaterThan(0);
    // The server never answers: only the gate destroying its sockets ends these connections. The server
    // may hear of it a moment later, so it is asked again for a while.
    let open = await server.openConnections();
    for (let tries = 0; open > 0 && tries < 100; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      open = await server.openConnections();
    }
    expect(open).toBe(0);
  });
});
