import { performance } from 'node:perf_hooks';
import { toolkitAgents } from '@sophia/action-runtime';
import { bodyMatcher, jsonCheck } from '@sophia/inputs';
import {
  MAX_BODY_BYTES,
  runHealthCheck,
  type HealthCheckSettings,
  type HealthReport,
  type RoundResult,
} from '@sophia/health-check';
import {
  closedPort,
  ECHO_ENCODINGS,
  echoingServer,
  encodingEchoServer,
  endlessBodyServer,
  pathologicalBodyServer,
  rawServer,
  reply,
  selfSignedCertificate,
  startProxy,
  startServer,
  trickledHeadersServer,
  type RawServer,
  type TestProxy,
  type TestServer,
  unexpectedProbes,
} from '@sophia-testing/http-servers';
import { gateSettings, ONE_ROUND } from './settings.js';

/** Hostile servers run here, on loopback; each test holds the gate to its own timeout (see gateWithinDeadline). */
const stops: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((server) => server.stop()));
});

async function started<T extends TestServer | RawServer | TestProxy>(server: Promise<T>): Promise<T> {
  const ready = await server;
  stops.push(ready);
  return ready;
}

const INTERVAL_MS = 100;
const TIMEOUT_MS = 800;

function settings(urls: string[], overrides: Partial<HealthCheckSettings> = {}): HealthCheckSettings {
  return gateSettings(urls, {
    intervalMs: INTERVAL_MS,
    requestTimeoutMs: 600_000,
    timeoutMs: TIMEOUT_MS,
    successThreshold: 2,
    failureThreshold: 2,
    ...overrides,
  });
}

/**
 * Runs the gate against a hostile server. The deadline is proven by behaviour rather than by the clock
 * (a loaded machine stretches any wall-clock bound): the tests give a request-timeout of a minute or
 * more, so a gate that ends at all ended by its own timeout, and its messages say so. The 30 s bound
 * is a hang guard only.
 */
async function gateWithinDeadline(options: HealthCheckSettings): Promise<HealthReport> {
  const started = performance.now();
  const report = await runHealthCheck(options);
  expect(performance.now() - started).toBeLessThan(30_000);
  return report;
}

describe('the gate against hostile servers', () => {
  it('does not hang on a pathological expected-body regex: /^(a+)+$/ against 41 a and "!"', async () => {
    const server = await started(pathologicalBodyServer());
    const report = await gateWithinDeadline(
      settings([server.url], { expectedBody: bodyMatcher('expected-body', '/^(a+)+$/') }),
    );
    expect(report.outcome).toBe('timeout');
    // The match finished (a mismatch, not a match stopped by its time limit) and the gate went on to its timeout.
    expect(report.urls[0].lastMismatch).toBe(`body does not match /^(a+)+$/: "${'a'.repeat(41)}!"`);
  });

  it('stops a regex whose cost is pattern size times a 1 MiB body at the timeout, and says why', async () => {
    // RE2 matches in linear time, but linear in the pattern too: 500 states over 1 MiB is about half a minute of CPU.
    const server = await started(startServer((_req, res) => reply(res, 200, 'a'.repeat(MAX_BODY_BYTES))));
    // A hang guard only (see gateWithinDeadline): on the main thread this match alone ran for 36 s.
    const report = await gateWithinDeadline(
      settings([server.url], {
        expectedBody: bodyMatcher('expected-body', '/[^b]{500}[^a]/'),
        timeoutMs: 2000,
        requestTimeoutMs: 600_000,
      }),
    );
    expect(report.outcome).toBe('timeout');
    expect(unexpectedProbes(report.urls[0], 'wrongBody')).toEqual([]);
    expect(report.urls[0].lastMismatch).toMatch(
      // On a loaded machine the stopped match's replacement thread may still be starting when the last
      // round's time runs out: the gate then says so rather than blaming the pattern.
      /^expected-body \/\[\^b\]\{500\}\[\^a\]\/ (was still being matched against the 1048576-byte body when what was left of timeout \(\d+ms\) ran out: an RE2 match costs the pattern's size times the body's, so use a shorter pattern \(fewer or smaller repetitions such as \{500\}\) or a substring|was not evaluated: the thread that evaluates it had not started within \d+ms \(what was left of timeout\); the runner is overloaded, which says nothing about the check): "a{100}…"$/,
    );
  });

  it('judges an endless body on its first MiB instead of waiting for its end', async () => {
    const server = await started(endlessBodyServer());
    const rounds: RoundResult[] = [];
    const report = await gateWithinDeadline(
      settings([server.url], {
        expectedBody: bodyMatcher('expected-body', 'ready'),
        requestTimeoutMs: 600_000,
        // However slowly a loaded machine streams the first MiB, only reading it can end the one round.
        ...ONE_ROUND,
        onRound: (round) => rounds.push(round),
      }),
    );
    // Judged, not timed out: the body never ends, and request-timeout is ten minutes.
    expect(rounds[0].probes[0].verdict).toBe('wrong-body');
    expect(report.urls[0]).toMatchObject({ probes: 1, wrongBody: 1 });
    expect(report.urls[0].lastMismatch).toMatch(/^body does not contain "ready": "x{100}…"$/);
  });

  it('holds the timeout against headers trickled a byte at a time', async () => {
    const server = await started(trickledHeadersServer());
    const report = await gateWithinDeadline(settings([server.url], { requestTimeoutMs: 600_000 }));
    expect(report.outcome).toBe('timeout');
    expect(report.urls[0]).toMatchObject({ lastErrorKind: 'timeout', passes: 0 });
    // The gate's own deadline cut the request: nothing else could, with a request-timeout of ten minutes.
    expect(report.urls[0].lastError).toMatch(/^no answer within \d+ ms \(what was left of timeout\)$/);
  });

  it('does not pass a redirect to a login page on the same origin unless asked, and shows the chain', async () => {
    // /healthz -> 302 /login -> 200 HTML: the login page answers, the service may well be down.
    const server = await started(
      startServer((req, res) =>
        req.url === '/healthz'
          ? reply(res, 302, '', { location: '/login' })
          : reply(res, 200, '<html><form>Sign in</form></html>'),
      ),
    );
    const url = `${server.origin}/healthz`;
    const byDefault = await gateWithinDeadline(settings([url], ONE_ROUND));
    expect(byDefault.healthy).toBe(false);
    expect(server.requests.map((request) => request.path)).not.toContain('/login');
    expect(byDefault.urls[0]).toMatchObject({ lastStatus: 302, finalUrl: url, redirects: [] });
    expect(byDefault.urls[0].lastMismatch).toBe(
      `status 302 (a redirect to ${server.origin}/login, not followed: follow-redirects is none; probe the final URL, or opt in with same-origin), expected 200-299`,
    );

    const optedIn = await gateWithinDeadline(settings([url], { followRedirects: 'same-origin' }));
    expect(optedIn.healthy).toBe(true);
    expect(optedIn.urls[0]).toMatchObject({
      finalUrl: `${server.origin}/login`,
      redirects: [{ status: 302, from: url, to: `${server.origin}/login` }],
    });
  });

  it('does not pass a redirect to another host even with same-origin, and names where it pointed', async () => {
    const login = await started(startServer((_req, res) => reply(res, 200, 'Sign in')));
    const server = await started(
      startServer((req, res) =>
        req.url === '/health'
          ? reply(res, 302, '', { location: `${login.origin.replace('127.0.0.1', 'localhost')}/login` })
          : reply(res, 200, 'ok'),
      ),
    );
    const report = await gateWithinDeadline(settings([server.url], { followRedirects: 'same-origin' }));
    expect(report.healthy).toBe(false);
    expect(login.requests).toHaveLength(0);
    expect(report.urls[0]).toMatchObject({ lastStatus: 302, finalUrl: server.url, passes: 0 });
    // Every answer was the 302; only a probe the gate's deadline cut short may have ended without one.
    expect(report.urls[0].wrongStatus).toBeGreaterThanOrEqual(1);
    expect(report.urls[0].errors).toBeLessThanOrEqual(1);
    expect(report.urls[0].wrongStatus + report.urls[0].errors).toBe(report.urls[0].probes);
    expect(report.urls[0].lastMismatch).toBe(
      `status 302 (a redirect to ${login.origin.replace('127.0.0.1', 'localhost')}/login, not followed: another origin than ${server.origin} (follow-redirects is same-origin)), expected 200-299`,
    );

    const none = await gateWithinDeadline(settings([server.url], { followRedirects: 'none', ...ONE_ROUND }));
    expect(none.urls[0].lastMismatch).toMatch(
      /, not followed: follow-redirects is none; probe the final URL, or opt in with same-origin\), expected 200-299$/,
    );

    const any = await gateWithinDeadline(settings([server.url], { followRedirects: 'any' }));
    expect(any.healthy).toBe(true);
    expect(any.urls[0].finalUrl).toBe(`${login.origin.replace('127.0.0.1', 'localhost')}/login`);
  });

  it('follows a redirect within the origin and reports the final URL', async () => {
    const server = await started(
      startServer((req, res) =>
        req.url === '/health' ? reply(res, 301, '', { location: '/health/' }) : reply(res, 200, 'ok'),
      ),
    );
    const report = await gateWithinDeadline(settings([server.url], { followRedirects: 'same-origin' }));
    expect(report.healthy).toBe(true);
    expect(report.urls[0].finalUrl).toBe(`${server.url}/`);
  });

  it('keeps a credential the server echoes alone out of the report', async () => {
    const server = await started(echoingServer(200));
    const token = 'gt_6f1d2c9a8b7e';
    const basicPassword = 'pa55-w0rd-echo';
    const report = await gateWithinDeadline(
      settings([server.url], {
        headers: [['Authorization', `Bearer ${token}`]],
        expectedBody: bodyMatcher('expected-body', 'welcome'),
      }),
    );
    expect(report.urls[0].lastMismatch).toContain('unauthorised token ***; try again');
    expect(JSON.stringify(report)).not.toContain(token);

    const basic = await gateWithinDeadline(
      settings([server.url], {
        headers: [['Authorization', `Basic ${Buffer.from(`deploy:${basicPassword}`).toString('base64')}`]],
        expectedBody: bodyMatcher('expected-body', 'welcome'),
      }),
    );
    expect(basic.urls[0].lastMismatch).toContain('unauthorised token ***;');
    expect(JSON.stringify(basic)).not.toContain(Buffer.from(`deploy:${basicPassword}`).toString('base64'));
  });

  describe('keeps every credential out of the report, in every encoding a server echoes it', () => {
    const basicPassword = 'b4sic-pw-1f0e';
    const cases: Array<{
      name: string;
      headers: Array<[string, string]>;
      userinfo?: string;
      query?: string;
      echoed: string[];
      secrets: string[];
    }> = [
      {
        name: 'Authorization: Token token="…" (a scheme not listed anywhere)',
        headers: [['Authorization', 'Token token="tok-4f9a2c81"']],
        echoed: ['authorization', 'credential', 'param'],
        secrets: ['tok-4f9a2c81'],
      },
      {
        name: 'a custom scheme',
        headers: [['Authorization', 'Acme-Signed opaque-77c1d9e3']],
        echoed: ['authorization', 'credential'],
        secrets: ['opaque-77c1d9e3'],
      },
      {
        name: 'a Cookie value',
        headers: [['Cookie', 'session=sess-9b1e7d2f; theme=dark']],
        echoed: ['cookie'],
        secrets: ['sess-9b1e7d2f'],
      },
      {
        name: 'Basic user:password',
        headers: [['Authorization', `Basic ${Buffer.from(`deploy:${basicPassword}`).toString('base64')}`]],
        echoed: ['credential', 'pair', 'password'],
        secrets: [basicPassword, `deploy:${basicPassword}`],
      },
      {
        name: 'URL userinfo (sent as Basic by the client)',
        headers: [],
        userinfo: 'deploy:url-pw-3c7a',
        echoed: ['credential', 'pair', 'password'],
        secrets: ['url-pw-3c7a', 'deploy:url-pw-3c7a'],
      },
      {
        name: 'a header value holding percent escapes, echoed decoded',
        headers: [['X-Api-Key', 'key%2Fwith%3Aescapes-91']],
        echoed: ['api-key'],
        secrets: ['key/with:escapes-91', 'key%2Fwith%3Aescapes-91'],
      },
      {
        name: 'a token in the query string (access_token), the other values kept apart',
        headers: [],
        query: '?access_token=qs-tok-5e8d1a%2F7&sig=c2lnLTk5ZmY&limit=50',
        echoed: ['query'],
        secrets: ['qs-tok-5e8d1a/7', 'qs-tok-5e8d1a%2F7', 'c2lnLTk5ZmY'],
      },
    ];
    it.each(cases)('$name', async ({ headers, userinfo, query, echoed, secrets }) => {
      const body = await started(encodingEchoServer(200));
      const redirect = await started(encodingEchoServer(302));
      const urlsOf = (server: TestServer): string[] =>
        Object.keys(ECHO_ENCODINGS).flatMap((encoding) =>
          echoed.map((which) => {
            const url = new URL(`${server.origin}/echo/${encoding}/${which}`);
            if (userinfo) [url.username, url.password] = userinfo.split(':');
            if (query) url.search = query;
            return url.href;
          }),
        );
      const report = await gateWithinDeadline(
        settings([...urlsOf(body), ...urlsOf(redirect)], {
          headers,
          expectedBody: bodyMatcher('expected-body', 'welcome'),
          followRedirects: 'none',
          // One round, with all the time it needs: the next would start after the timeout.
          intervalMs: 60_000,
          timeoutMs: 20_000,
        }),
      );
      const shown = JSON.stringify(report);
      for (const secret of secrets) {
        for (const encode of Object.values(ECHO_ENCODINGS)) expect(shown).not.toContain(encode(secret));
      }
      // Every echo was seen, and masked whole: the excerpt or the location says `***` and nothing else
      // where the credential was (no piece of a wrapped or escaped one is left beside it).
      // (A credential inside a longer base64 text leaves the characters it shares with its neighbours.)
      for (const url of report.urls) {
        expect(url.lastMismatch).toMatch(
          url.url.includes('/echo/base64-in-json/')
            ? /seen=?\s?[^"]*\*\*\*/
            : /seen(?: \*\*\*"$|=\*\*\*, not followed)/,
        );
      }
      if (userinfo) expect(report.urls[0].url).toMatch(/^http:\/\/\*\*\*@127\.0\.0\.1:/);
      if (query) expect(report.urls[0].url).toMatch(/\/echo\/raw\/query\?access_token=\*\*\*&sig=\*\*\*&limit=50$/);
    });
  });

  it('reports an https:// URL on a plain-HTTP server as a scheme mistake, at once', async () => {
    const server = await started(startServer((_req, res) => reply(res, 200, 'ok')));
    const url = server.url.replace('http://', 'https://');
    const report = await runHealthCheck(settings([url], { timeoutMs: 60_000 }));
    expect(report.outcome).toBe('misconfigured');
    expect(report.rounds).toBe(1);
    expect(report.urls[0]).toMatchObject({ lastErrorKind: 'tls' });
    expect(report.urls[0].lastError).toBe(
      `TLS handshake failed: ${new URL(url).host} answered in plain text, not TLS; the URL's scheme looks wrong (try ${server.url})`,
    );
    expect(report.reason).toMatch(/^unhealthy: a URL cannot answer as configured/);
  });

  it('checks a JSON field with expected-json, saying what the expression gave', async () => {
    // Not a deadline test: a loaded machine may take seconds just to start the expression's worker
    // thread, so each failing gate runs one round that the evaluation's answer ends, and the passing one
    // has time for its two rounds.
    const check = (expression: string, timing: Partial<HealthCheckSettings> = ONE_ROUND) => ({
      expectedJson: jsonCheck('expected-json', expression),
      ...timing,
    });
    let status = 'starting';
    const server = await started(
      startServer((_req, res) => reply(res, 200, JSON.stringify({ status, checks: { db: status === 'ok' } }))),
    );
    const waiting = await gateWithinDeadline(settings([server.url], check("status == 'ok' && checks.db")));
    expect(waiting.healthy).toBe(false);
    expect(waiting.urls[0]).toMatchObject({ probes: 1, wrongBody: 1, failureKinds: { body: 1 } });
    expect(waiting.urls[0].lastMismatch).toMatch(/^expected-json "status == 'ok' && checks.db" is false, not true: /);
    status = 'ok';
    const healthy = await gateWithinDeadline(
      settings([server.url], check("status == 'ok' && checks.db", { timeoutMs: 30_000 })),
    );
    expect(healthy.healthy).toBe(true);
    const misspelt = await gateWithinDeadline(settings([server.url], check('stauts')));
    expect(misspelt.urls[0].lastMismatch).toMatch(/^expected-json "stauts" is null, not true/);
    const html = await started(startServer((_req, res) => reply(res, 200, '<html>ok</html>')));
    const notJson = await gateWithinDeadline(settings([html.url], check('status')));
    expect(notJson.urls[0].lastMismatch).toMatch(/^body is not JSON, so expected-json "status" cannot hold/);
  });

  it("keeps the last conclusive answer when the timeout cuts the last round's expected-json short", async () => {
    // The expression is cheap while status is not 'ok' (&& stops there) and beyond the 5 s timeout
    // once it is: each let doubles the array (22 of them take over 5 s of CPU and a 63 MB string;
    // more would exhaust a jest worker's heap, and 22 finish within 10 s on an idle runner). The server turns 'ok' once the gate has a conclusive answer, so
    // the next round's evaluation is what the timeout cuts, as a round started in the timeout's last
    // milliseconds is cut on a loaded runner.
    const lets = Array.from({ length: 22 }, (_, i) => `let $a${i + 1} = [$a${i}, $a${i}] in`).join(' ');
    const expression = `status == 'ok' && (let $a0 = @ in ${lets} length(to_string($a22)) == \`0\`)`;
    let status = 'starting';
    const server = await started(startServer((_req, res) => reply(res, 200, JSON.stringify({ status }))));
    const report = await gateWithinDeadline(
      settings([server.url], {
        expectedJson: jsonCheck('expected-json', expression),
        // Time for the thread to start and answer once on a loaded machine; the expensive evaluation after it
        // is what the timeout cuts.
        timeoutMs: 5_000,
        onRound: (round) => {
          if (round.probes[0].verdict === 'wrong-body' && !round.probes[0].inconclusive) status = 'ok';
        },
      }),
    );
    expect(report.outcome).toBe('timeout');
    const conclusive = /^expected-json ".*\(\d+ characters\) is false, not true: .*starting/;
    expect(report.urls[0].lastMismatch).toMatch(conclusive);
    // The cut round is still told, with the answer before it beside it. The evaluation's round may end a
    // millisecond before the timeout (timers round), and a last round then starts whose request the
    // timeout cuts instead: that round is as inconclusive.
    expect(report.reason).toMatch(
      /last round: http:\/\/127\.0\.0\.1:\d+\/\S*: (expected-json ".*\(\d+ characters\) was still being evaluated on the 15-byte body when what was left of timeout \([\d.]+m?s\) ran out: simplify the expression: .*|no answer within \d+ ms \(what was left of timeout\)) \(the last conclusive answer: expected-json ".*\(\d+ characters\) is false, not true: /,
    );
  });

  describe("through a proxy, with the action layer's toolkit agents (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)", () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    it('reaches a name only the proxy resolves, and goes direct for NO_PROXY', async () => {
      const server = await started(startServer((_req, res) => reply(res, 200, 'ok')));
      const proxy = await started(startProxy({ 'health.internal.test': '127.0.0.1' }));
      const url = server.url.replace('127.0.0.1', 'health.internal.test');
      process.env.HTTP_PROXY = proxy.url;
      const proxied = await gateWithinDeadline(settings([url], { agents: toolkitAgents() }));
      expect(proxied.healthy).toBe(true);
      expect(proxy.seen).toContain(new URL(url).host);

      const secure = await started(startServer((_req, res) => reply(res, 200, 'ok'), selfSignedCertificate()));
      process.env.HTTPS_PROXY = proxy.url;
      const secureUrl = secure.url.replace('127.0.0.1', 'health.internal.test');
      const tunnelled = await gateWithinDeadline(settings([secureUrl], { insecureTls: true, agents: toolkitAgents() }));
      expect(tunnelled.healthy).toBe(true);
      expect(proxy.seen).toContain(new URL(secureUrl).host);

      process.env.NO_PROXY = 'internal.test';
      const direct = await gateWithinDeadline(settings([url], { ...ONE_ROUND, agents: toolkitAgents() }));
      expect(direct.healthy).toBe(false);
      expect(direct.urls[0].lastErrorKind).toBe('dns');
    });

    it('names a dead proxy, without its credentials, and says what failed', async () => {
      const port = await closedPort();
      process.env.HTTP_PROXY = `http://deploy:pr0xy-pw@127.0.0.1:${port}`;
      const report = await gateWithinDeadline(
        settings(['http://health.internal.test/healthz'], { ...ONE_ROUND, agents: toolkitAgents() }),
      );
      expect(report.urls[0]).toMatchObject({
        lastErrorKind: 'proxy',
        lastError: `proxy http://127.0.0.1:${port} (HTTP_PROXY) failed: connection refused (ECONNREFUSED)`,
      });
      expect(JSON.stringify(report)).not.toContain('pr0xy-pw');
    });

    it('names a proxy that refuses the tunnel, and the status it answered', async () => {
      const proxy = await started(
        rawServer((socket) =>
          socket.once('data', () => socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')),
        ),
      );
      process.env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
      const report = await gateWithinDeadline(
        settings(['https://health.internal.test/healthz'], { ...ONE_ROUND, agents: toolkitAgents() }),
      );
      expect(report.urls[0]).toMatchObject({
        lastErrorKind: 'proxy',
        lastError: `proxy http://127.0.0.1:${proxy.port} (HTTPS_PROXY) refused to open a tunnel to health.internal.test: it answered 403 to CONNECT`,
      });
    });

    it('says an error came through the proxy when the target fails behind it', async () => {
      const server = await started(startServer((_req, res) => reply(res, 200, 'ok')));
      const proxy = await started(startProxy({ 'health.internal.test': '127.0.0.1' }));
      process.env.HTTPS_PROXY = proxy.url;
      // The proxy reaches a plain-HTTP server; the TLS handshake through the tunnel then fails.
      const url = server.url.replace('http://127.0.0.1', 'https://health.internal.test');
      const report = await gateWithinDeadline(settings([url], { ...ONE_ROUND, agents: toolkitAgents() }));
      expect(report.urls[0].lastErrorKind).toBe('tls');
      expect(report.urls[0].lastError).toMatch(
        new RegExp(`\\(through proxy http://127\\.0\\.0\\.1:${new URL(proxy.url).port} \\(HTTPS_PROXY\\)\\)$`),
      );
    });
  });
});
