import { runBundledAction, type ActionRun, errorsOf } from '@sophia-testing/action-runner';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { UNTRUSTED_CERTIFICATE_HINT, type HealthReport } from '@sophia/health-check';
import {
  closedPort,
  ECHO_ENCODINGS,
  echoingServer,
  encodingEchoServer,
  pathologicalBodyServer,
  rawServer,
  reply,
  selfSignedCertificate,
  silentServer,
  startServer,
  type TestServer,
  unexpectedProbes,
} from '@sophia-testing/http-servers';

/** The bundled action, run as the runner runs it, against real HTTP servers on loopback. */
const servers: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

const FAST = { interval: '100ms', 'request-timeout': '1s', 'success-threshold': '2', 'failure-threshold': '2' };

/**
 * Exactly one round, which the server's answer ends: the next would start after the timeout, and the round has the
 * whole timeout for its answer, however loaded the runner (see ONE_ROUND of the health-check tests).
 */
const ONE_ROUND = { interval: '1m', timeout: '30s' };

function gate(inputs: Record<string, string>, node: 'node20' | 'node24' = 'node24'): Promise<ActionRun> {
  return runBundledAction({ action: 'health-gate', inputs: { ...FAST, ...inputs }, node });
}

function reportOf(run: ActionRun): HealthReport {
  return JSON.parse(run.outputs.report) as HealthReport;
}

describe('health-gate action', () => {
  it('passes a service that becomes healthy after about a second, and says how long it took', async () => {
    // The clock starts at the first probe, not at server start: the action's own start-up time varies with load.
    const server = await serve((_req, res, self) =>
      self.uptimeMs() - self.requests[0].atMs < 1000
        ? reply(res, 503, 'warming up')
        : reply(res, 200, '{"commit":"3f78685"}'),
    );
    const run = await gate({ urls: server.url, 'expected-body': '3f78685', timeout: '20s' });
    expect(errorsOf(run)).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.healthy).toBe('true');
    const seconds = Number(run.outputs['time-to-healthy']);
    // At least the second the service took (timers never fire early); and exactly when the first
    // round of the passing streak ended, as the log tells it.
    expect(seconds).toBeGreaterThanOrEqual(0.95);
    const firstPass = /round \d+ at (\d+\.\d)s: passed/.exec(run.log);
    expect(seconds.toFixed(1)).toBe(firstPass?.[1]);
    const report = reportOf(run);
    expect(Number(run.outputs.rounds)).toBe(report.rounds);
    expect(report.urls[0]).toMatchObject({ url: server.url, passes: 2, lastStatus: 200, lastError: null });
    expect(run.summary).toContain('### Health gate');
    expect(run.summary).toContain(`| ${server.url} | 2/${report.rounds} |`);
    expect(run.log).toMatch(/round 1 at 0\.\ds: failed \(0\/1 URLs\)/);
  });

  it('fails a service that never becomes healthy at the timeout', async () => {
    const server = await serve((_req, res) => reply(res, 500, 'boom'));
    const run = await gate({ urls: server.url, timeout: '800ms' });
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(run.outputs['time-to-healthy']).toBe('');
    expect(errorsOf(run)).toEqual([
      // A last round started with milliseconds left on a loaded runner is cut by the timeout, and says so
      // beside the last answer.
      expect.stringMatching(
        /^unhealthy: timeout 800ms reached after \d+ round\(s\), no round passed; last round: .*(status 500, expected 200-299|no answer within \d+ ms \(what was left of timeout\) \(the last conclusive answer: status 500, expected 200-299\))$/,
      ),
    ]);
    const report = reportOf(run);
    expect(report.outcome).toBe('timeout');
    expect(unexpectedProbes(report.urls[0], 'wrongStatus')).toEqual([]);
  });

  it('fails a flapping service after failure-threshold failed rounds, long before the timeout', async () => {
    let answered = 0;
    const server = await serve((_req, res) => {
      answered += 1;
      reply(res, answered === 1 || answered % 3 === 0 ? 200 : 502);
    });
    const run = await gate({ urls: server.url, timeout: '60s', 'success-threshold': '3', 'failure-threshold': '3' });
    expect(run.code).toBe(1);
    expect(errorsOf(run)[0]).toContain('failed round(s) after the first passing round (failure-threshold 3)');
    // `flapping`, not `timeout`: decided by its rounds, long before its 60 s.
    expect(reportOf(run).outcome).toBe('flapping');
  });

  it('refuses a stale instance whose body carries the wrong version', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'sophia-frontend version 1.4.0'));
    const run = await gate({ urls: server.url, 'expected-body': '/version 1\\.5\\.\\d+/', ...ONE_ROUND });
    expect(run.code).toBe(1);
    expect(reportOf(run).urls[0]).toMatchObject({
      lastStatus: 200,
      lastMismatch: 'body does not match /version 1\\.5\\.\\d+/: "sophia-frontend version 1.4.0"',
    });
    expect(run.summary).toContain('body does not match');
  });

  it('follows redirects and reports them (on Node 20 too)', async () => {
    const server = await serve((req, res, self) =>
      req.url === '/health' ? reply(res, 308, '', { location: `${self.origin}/healthz` }) : reply(res, 200, 'ok'),
    );
    const run = await gate({ urls: server.url, 'follow-redirects': 'same-origin', timeout: '10s' }, 'node20');
    expect(run.code).toBe(0);
    expect(reportOf(run).urls[0].redirects).toEqual([
      { status: 308, from: server.url, to: `${server.origin}/healthz` },
    ]);
    expect(reportOf(run).urls[0].finalUrl).toBe(`${server.origin}/healthz`);
    expect(run.summary).toContain(`| 308 → ${server.origin}/healthz | ${server.origin}/healthz |`);
  });

  it('fails a health URL that redirects to a login page on the same host, unless follow-redirects opts in', async () => {
    const server = await serve((req, res) =>
      req.url === '/healthz' ? reply(res, 302, '', { location: '/login' }) : reply(res, 200, '<form>Sign in</form>'),
    );
    const url = `${server.origin}/healthz`;
    const run = await gate({ urls: url, ...ONE_ROUND });
    expect(run.code).toBe(1);
    expect(errorsOf(run)[0]).toContain(
      `status 302 (a redirect to ${server.origin}/login, not followed: follow-redirects is none; probe the final URL, or opt in with same-origin), expected 200-299`,
    );
    expect(run.summary).toContain(`a redirect to ${server.origin}/login, not followed`);
    const optedIn = await gate({ urls: url, 'follow-redirects': 'same-origin', timeout: '10s' });
    expect(optedIn.code).toBe(0);
    expect(optedIn.summary).toContain(`| 302 → ${server.origin}/login | ${server.origin}/login |`);
  });

  it('reports a server slower than request-timeout as probe errors', async () => {
    const server = await serve(() => undefined);
    const run = await gate({ urls: server.url, 'request-timeout': '150ms', timeout: '700ms' });
    expect(run.code).toBe(1);
    const url = reportOf(run).urls[0];
    expect(url).toMatchObject({ lastErrorKind: 'timeout', lastStatus: null, wrongStatus: 0 });
    expect(url.errors).toBe(url.probes);
    expect(run.log).toContain('error (timeout)');
  });

  it('needs every URL healthy and tells which one is not', async () => {
    const good = await serve((_req, res) => reply(res, 200, 'ok'));
    const refused = `http://127.0.0.1:${await closedPort()}/health`;
    const run = await gate({ urls: `${good.url}\n${refused}`, ...ONE_ROUND });
    expect(run.code).toBe(1);
    const [goodUrl, badUrl] = reportOf(run).urls;
    expect(goodUrl.passes).toBe(goodUrl.probes);
    expect(badUrl).toMatchObject({
      passes: 0,
      lastErrorKind: 'refused',
      lastError: 'connection refused (ECONNREFUSED)',
    });
    expect(run.summary).toContain('error: connection refused (ECONNREFUSED)');
  });

  it('sends the headers and never shows their values', async () => {
    const token = 'Bearer gate-token-93c6b99b';
    const server = await serve((req, res) => reply(res, req.headers.authorization === token ? 200 : 401));
    const run = await gate({
      urls: server.url,
      method: 'HEAD',
      headers: `Authorization: ${token}\nX-Gate: sophia`,
      timeout: '10s',
    });
    expect(run.code).toBe(0);
    expect(server.requests[0]).toMatchObject({
      method: 'HEAD',
      headers: expect.objectContaining({ 'x-gate': 'sophia' }),
    });
    expect(run.masks).toContain(token);
    expect(run.log).not.toContain('gate-token-93c6b99b');
    expect(run.summary + JSON.stringify(run.outputs)).not.toContain('gate-token-93c6b99b');
  });

  it('masks no header value shorter than 4 characters, but long numeric query tokens and fragment parameters', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'));
    const url = `${server.url}?token=98765432109876543210&limit=2#access_token=frag-secret-123`;
    const run = await gate({
      urls: url,
      headers: 'X-Debug: 0\nX-Api-Version: 2\nAuthorization: Bearer gate-token-5e1f',
      timeout: '10s',
    });
    expect(run.code).toBe(0);
    expect(run.masks).toEqual(expect.arrayContaining(['gate-token-5e1f', '98765432109876543210', 'frag-secret-123']));
    expect(run.masks).not.toContain('0');
    expect(run.masks).not.toContain('2');
    const report = reportOf(run);
    expect(report.reason).toBe('healthy: 2 consecutive passing round(s) of 1 URL(s) after 2 round(s)');
    expect(run.log).toContain(report.reason);
    expect(report.urls[0].url).toBe(`${server.url}?token=***&limit=2#access_token=***`);
    for (const secret of ['98765432109876543210', 'frag-secret-123']) {
      expect(run.log + run.summary + JSON.stringify(run.outputs)).not.toContain(secret);
    }
  });

  it('shows not even the start of a token that ends a long invalid redirect Location', async () => {
    const token = 'Zq9xT0kenSECRETabcdef0123456789';
    const server = await serve((_req, res) => reply(res, 302, '', { location: `http://[${'x'.repeat(80)}${token}` }));
    const run = await gate({
      urls: server.url,
      headers: `Authorization: Bearer ${token}`,
      'follow-redirects': 'any',
      ...ONE_ROUND,
      'fail-on-unhealthy': 'false',
    });
    expect(reportOf(run).urls[0].lastError).toMatch(/^redirect to an invalid location "http:\/\/\[x{80}\*\*\*"$/);
    expect(run.log + run.summary + JSON.stringify(run.outputs)).not.toContain(token.slice(0, 6));
  });

  it('keeps a token the server echoes alone out of the log, the summary and the report', async () => {
    // In the body (a wrong answer's excerpt) and in a redirect's location (reported hop by hop).
    const inBody = await echoingServer(200);
    const inLocation = await echoingServer(302);
    servers.push(inBody, inLocation);
    const token = 'ghs_echoed0token0f3a9c2';
    const password = 'basic-pa55word-71c';
    const basic = Buffer.from(`deploy:${password}`).toString('base64');
    for (const header of [`Authorization: Bearer ${token}`, `Authorization: Basic ${basic}`]) {
      const run = await gate({
        urls: `${inBody.url}\n${inLocation.url}`,
        headers: header,
        'expected-body': 'welcome',
        ...ONE_ROUND,
      });
      expect(run.code).toBe(1);
      expect(run.log).toContain('unauthorised token ***');
      expect(run.outputs.report).toContain('/login?token=***');
      for (const secret of [token, password, basic, `deploy:${password}`]) {
        expect(run.log).not.toContain(secret);
        expect(run.summary).not.toContain(secret);
        expect(run.outputs.report).not.toContain(secret);
      }
    }
  });

  it("keeps any scheme's credential, cookies and URL userinfo out of log, summary and outputs, in every encoding echoed", async () => {
    const body = await encodingEchoServer(200);
    const redirect = await encodingEchoServer(302);
    servers.push(body, redirect);
    const secrets = ['tok-4f9a2c81', 'sess-9b1e7d2f', 'url-pw-3c7a', 'deploy:url-pw-3c7a', 'qs-tok-5e8d1a'];
    const urls = [body, redirect].flatMap((server) =>
      Object.keys(ECHO_ENCODINGS).flatMap((encoding) =>
        ['param', 'cookie', 'password', 'query'].map((which) =>
          `${server.origin}/echo/${encoding}/${which}?access_token=qs-tok-5e8d1a`.replace(
            'http://',
            'http://deploy:url-pw-3c7a@',
          ),
        ),
      ),
    );
    const run = await gate({
      urls: urls.join('\n'),
      // Authorization from the URL's userinfo; the Token scheme in a header of its own name.
      headers: 'X-Auth: Token token="tok-4f9a2c81"\nCookie: session=sess-9b1e7d2f; theme=dark',
      'expected-body': 'welcome',
      'follow-redirects': 'none',
      // One round, with all the time it needs: the next would start after the timeout.
      interval: '1m',
      timeout: '20s',
    });
    expect(run.code).toBe(1);
    const shown = [run.log, run.summary, JSON.stringify(run.outputs), ...errorsOf(run)].join('\n');
    for (const secret of secrets) {
      for (const encode of Object.values(ECHO_ENCODINGS)) expect(shown).not.toContain(encode(secret));
    }
    // Every echo came back, masked whole where the credential was (base64 inside a longer text keeps
    // the characters the credential shares with its neighbours).
    for (const url of reportOf(run).urls) {
      expect(url.lastMismatch).toMatch(
        url.url.includes('/echo/base64-in-json/') ? /seen=?\s?[^"]*\*\*\*/ : /seen(?: \*\*\*"$|=\*\*\*, not followed)/,
      );
    }
    expect(reportOf(run).urls[0].url).toMatch(
      /^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/echo\/raw\/param\?access_token=\*\*\*$/,
    );
  });

  it('names a proxy that is not a URL, or that is dead, without its credentials (on Node 20 too)', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'));
    const invalid = await runBundledAction({
      action: 'health-gate',
      inputs: { ...FAST, urls: server.url.replace('127.0.0.1', 'health.internal.test') },
      env: { HTTPS_PROXY: undefined, https_proxy: undefined, HTTP_PROXY: 'http://deploy:pr0xy-pw@[bad-proxy:3128' },
      node: 'node20',
    });
    expect(invalid.code).toBe(1);
    expect(errorsOf(invalid)).toEqual([
      'HTTP_PROXY is not a valid proxy URL: got "http://***@[bad-proxy:3128", expected http://host:port or https://host:port',
    ]);
    const port = await closedPort();
    const dead = await runBundledAction({
      action: 'health-gate',
      inputs: { ...FAST, urls: server.url.replace('127.0.0.1', 'health.internal.test'), ...ONE_ROUND },
      env: { http_proxy: undefined, HTTP_PROXY: `http://deploy:pr0xy-pw@127.0.0.1:${port}` },
    });
    expect(dead.code).toBe(1);
    expect(reportOf(dead).urls[0]).toMatchObject({
      lastErrorKind: 'proxy',
      lastError: `proxy http://127.0.0.1:${port} (HTTP_PROXY) failed: connection refused (ECONNREFUSED)`,
    });
    // A check that could not start publishes its outputs and summary all the same.
    expect(invalid.outputs).toMatchObject({ healthy: 'false', rounds: '0', 'time-to-healthy': '' });
    expect(invalid.summary).toContain('No URL was probed.');
    expect(invalid.summary).toContain('**Failed:** HTTP_PROXY is not a valid proxy URL');
    for (const run of [invalid, dead]) {
      expect([run.log, run.summary, JSON.stringify(run.outputs)].join('\n')).not.toContain('pr0xy-pw');
    }
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['silent', 'HTTPS_PROXY', 'https://health.example.test/health'],
    ['silent', 'HTTP_PROXY', 'http://health.example.test/health'],
    ['half a status line', 'HTTPS_PROXY', 'https://health.example.test/health'],
  ] as const)('holds its timeout and names a %s proxy that never answers CONNECT (%s)', async (kind, variable, url) => {
    const proxy =
      kind === 'silent'
        ? await silentServer()
        : await rawServer((socket) => socket.once('data', () => socket.write('HTTP/1.1 200 Conn')));
    servers.push(proxy);
    const run = await runBundledAction({
      action: 'health-gate',
      inputs: { ...FAST, urls: url, timeout: '1500ms', 'request-timeout': '500ms' },
      env: {
        https_proxy: undefined,
        http_proxy: undefined,
        HTTPS_PROXY: undefined,
        HTTP_PROXY: undefined,
        [variable]: `http://127.0.0.1:${proxy.port}`,
      },
      // A hang guard only: the gate's own timeout is 1.5 s.
      timeoutMs: 20_000,
    });
    expect(run.code).toBe(1);
    const report = reportOf(run);
    expect(report.outcome).toBe('timeout');
    expect(report.rounds).toBeGreaterThanOrEqual(1);
    expect(report.urls[0]).toMatchObject({
      lastErrorKind: 'proxy',
      lastError: expect.stringMatching(
        new RegExp(
          `^proxy http://127\\.0\\.0\\.1:${proxy.port} \\(${variable}\\) did not answer CONNECT within \\d+ ms \\((request-timeout|what was left of timeout)\\)$`,
        ),
      ),
    });
    expect(run.log).toContain(
      `proxy http://127.0.0.1:${proxy.port} (${variable}) did not answer CONNECT within 500 ms (request-timeout)`,
    );
    expect(run.log).toMatch(/round 1 at \d+\.\ds: failed/);
  });

  it('holds its timeout against /^(a+)+$/ on a body of 41 a and "!"', async () => {
    const server = await pathologicalBodyServer();
    servers.push(server);
    const run = await gate({ urls: server.url, 'expected-body': '/^(a+)+$/', timeout: '1s' });
    expect(run.code).toBe(1);
    const report = reportOf(run);
    expect(report.outcome).toBe('timeout');
    // Every match finished as a mismatch: none was stopped by its time limit.
    expect(unexpectedProbes(report.urls[0], 'wrongBody')).toEqual([]);
    expect(report.urls[0].lastMismatch).toBe(`body does not match /^(a+)+$/: "${'a'.repeat(41)}!"`);
  });

  it.each(['node20', 'node24'] as const)(
    'stops /[^b]{500}[^a]/ on a 1 MiB body at its 2s timeout and says why (%s)',
    async (node) => {
      // Linear-time RE2 is linear in the pattern too: on the main thread this one match ran for 36 s.
      const server = await serve((_req, res) => reply(res, 200, 'a'.repeat(1024 * 1024)));
      const run = await gate({ urls: server.url, 'expected-body': '/[^b]{500}[^a]/', timeout: '2s' }, node);
      expect(run.code).toBe(1);
      const report = reportOf(run);
      expect(report.outcome).toBe('timeout');
      expect(unexpectedProbes(report.urls[0], 'wrongBody')).toEqual([]);
      // A stopped match's thread is replaced at once; on a loaded runner the replacement may not have
      // started before the last round's time ran out, and the gate then says so instead of blaming the pattern.
      // A round the timeout cuts short does not replace what a whole round said (request-timeout ran out).
      const message =
        /expected-body \/\[\^b\]\{500\}\[\^a\]\/ (was still being matched against the 1048576-byte body when (request-timeout|what was left of timeout) \(\d+ms\) ran out: an RE2 match costs the pattern's size times the body's, so use a shorter pattern|was not evaluated: the thread that evaluates it had not started within \d+ms \(what was left of timeout\); the runner is overloaded)/;
      expect(report.urls[0].lastMismatch).toMatch(message);
      expect(errorsOf(run)[0]).toMatch(message);
      // A hang guard only: the runner gives the process 60 s, far more than the gate's 2 s.
      expect(report.elapsedSeconds).toBeLessThan(30);
    },
  );

  it('stops an expected-json expression of exponential cost at its 2s timeout and says why', async () => {
    const server = await serve((_req, res) => reply(res, 200, '{"status":"ok"}'));
    // Each let doubles the array: 2^22 copies of the document, about 20 s of CPU on one thread.
    const lets = Array.from({ length: 22 }, (_, i) => `let $a${i + 1} = [$a${i}, $a${i}] in`).join(' ');
    const expression = `let $a0 = @ in ${lets} length(to_string($a22)) == \`0\``;
    const run = await runBundledAction({
      action: 'health-gate',
      inputs: { ...FAST, urls: server.url, 'expected-json': expression, timeout: '2s' },
      timeoutMs: 20_000,
    });
    expect(run.code).toBe(1);
    const report = reportOf(run);
    expect(report.outcome).toBe('timeout');
    expect(unexpectedProbes(report.urls[0], 'wrongBody')).toEqual([]);
    expect(report.urls[0].lastMismatch).toMatch(
      // As above: the last round may find the stopped thread's replacement still starting.
      /^expected-json ".*"… \(\d+ characters\) (was still being evaluated on the 15-byte body when (request-timeout|what was left of timeout) \(\d+ms\) ran out: simplify the expression|was not evaluated: the thread that evaluates it had not started within \d+ms \(what was left of timeout\); the runner is overloaded)/,
    );
  });

  it('says an https:// URL on a plain-HTTP server has the wrong scheme, without waiting for the timeout', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ok'));
    const run = await gate({ urls: server.url.replace('http:', 'https:'), timeout: '5m' });
    expect(run.code).toBe(1);
    expect(run.outputs.rounds).toBe('1');
    expect(errorsOf(run)[0]).toContain("answered in plain text, not TLS; the URL's scheme looks wrong");
  });

  it('tells a Node 24 user how to trust a self-signed certificate from the workflow, and that advice works', async () => {
    const tls = selfSignedCertificate();
    const server = await startServer((_req, res) => reply(res, 200, 'ok'), tls);
    servers.push(server);
    const untrusted = await gate({ urls: server.url, ...ONE_ROUND }, 'node24');
    expect(untrusted.code).toBe(1);
    expect(reportOf(untrusted).urls[0].lastError).toBe(
      `TLS handshake failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT): ${UNTRUSTED_CERTIFICATE_HINT}`,
    );
    expect(untrusted.log).not.toContain('--use-system-ca');
    // Both ways the hint offers pass the gate.
    const caFile = join(mkdtempSync(join(tmpdir(), 'gate-ca-')), 'ca.pem');
    writeFileSync(caFile, tls.cert);
    const trusted = await runBundledAction({
      action: 'health-gate',
      inputs: { ...FAST, urls: server.url, timeout: '20s' },
      env: { NODE_EXTRA_CA_CERTS: caFile },
    });
    rmSync(dirname(caFile), { recursive: true, force: true });
    expect(trusted.outputs.healthy).toBe('true');
    expect((await gate({ urls: server.url, timeout: '20s', 'insecure-tls': 'true' })).outputs.healthy).toBe('true');
  });

  it.each(['node20', 'node24'] as const)(
    'publishes the rounds it completed when the run is cancelled, and says only that it was (%s)',
    async (node) => {
      // Answers at once until round 3, then never: the cancel finds a round in flight.
      const server = await serve((_req, res, self) => {
        if (self.requests.length <= 2) reply(res, 503, 'starting');
      });
      const run = await runBundledAction({
        action: 'health-gate',
        inputs: {
          ...FAST,
          urls: server.url,
          headers: 'Authorization: Bearer cancel-tok-81f2',
          timeout: '5m',
          'request-timeout': '1m',
        },
        node,
        cancel: { when: () => server.requests.length >= 3 },
        timeoutMs: 30_000,
      });
      expect(run.cancelled).toBe(true);
      expect(run.code).not.toBe(0);
      expect(errorsOf(run)).toEqual(['The run was cancelled']);
      expect(run.log).not.toMatch(/secret/i);
      // The two completed rounds are published; the one the cancel cut short is not.
      expect(run.outputs).toMatchObject({ healthy: 'false', rounds: '2', 'time-to-healthy': '' });
      const report = reportOf(run);
      expect(report).toMatchObject({ outcome: 'cancelled', rounds: 2, failedRounds: 2 });
      expect(report.reason).toMatch(
        /^unhealthy: the run was cancelled after 2 round\(s\), no round passed; last round: .*status 503/,
      );
      expect(run.summary).toContain('**Cancelled** after');
      expect(run.summary).toContain(`| ${server.url} | 0/2 |`);
    },
  );

  it('succeeds with fail-on-unhealthy false and lets the outputs tell', async () => {
    const server = await serve((_req, res) => reply(res, 503));
    const run = await gate({ urls: server.url, timeout: '400ms', 'fail-on-unhealthy': 'false' });
    expect(run.code).toBe(0);
    expect(errorsOf(run)).toEqual([]);
    expect(run.outputs.healthy).toBe('false');
    expect(run.annotations).toContainEqual(
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('fail-on-unhealthy is false') }),
    );
  });

  it('repeats a 100 KB URL or regex only as a short prefix and its length', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'not the release'));
    // A long path, not a query: query values are secrets and would be masked whole.
    const longUrl = `${server.url}/${'u'.repeat(100_000)}`;
    const longRegex = `/release-${'r'.repeat(100_000)}/`;
    const run = await gate({ urls: `${server.url}\n${longUrl}`, 'expected-body': longRegex, ...ONE_ROUND });
    expect(run.code).toBe(1);
    const strings = (value: unknown): string[] =>
      typeof value === 'string'
        ? [value]
        : value && typeof value === 'object'
          ? Object.values(value).flatMap(strings)
          : [];
    const report = reportOf(run);
    const texts = [...run.log.split('\n'), ...errorsOf(run), ...run.summary.split('\n'), ...strings(report)];
    expect(texts.filter((text) => text.length > 1000)).toEqual([]);
    expect(report.urls[1].url).toBe(`${longUrl.slice(0, 100)}… (${longUrl.length} characters)`);
    expect(errorsOf(run)[0]).toContain(`${longRegex.slice(0, 100)}… (${longRegex.length} characters)`);
  });

  it('refuses bad inputs before probing anything', async () => {
    const server = await serve((_req, res) => reply(res, 200));
    const head = await gate({ urls: server.url, method: 'HEAD', 'expected-body': 'ok' });
    expect(head.code).toBe(1);
    expect(errorsOf(head)).toEqual([
      'Input "expected-body" cannot be checked with method HEAD (its answers have no body)',
    ]);
    const status = await gate({ urls: server.url, 'expected-status': '2xx' });
    expect(errorsOf(status)[0]).toMatch(/^Input "expected-status" must be/);
    // Node would refuse these only when sending, so every round would fail until the timeout.
    for (const value of ['foo\rInjected: 1', 'ünïcødé€', 'v'.repeat(100_000)]) {
      const header = await gate({ urls: server.url, headers: `X-A: ${value}`, timeout: '5m' });
      expect(header.code).toBe(1);
      expect(errorsOf(header)).toEqual([expect.stringMatching(/^Input "headers": the value of header "X-A" /)]);
    }
    expect(server.requests).toHaveLength(0);
  });
});
