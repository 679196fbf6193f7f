import { bodyMatcher, jsonCheck } from '@sophia/inputs';
import { runHealthCheck, type HealthCheckSettings } from '@sophia/health-check';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { gateSettings, SOURCE_REGEX_THREAD } from './settings.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(body: string): Promise<TestServer> {
  const server = await startServer((_req, res) => reply(res, 200, body));
  servers.push(server);
  return server;
}

describe('a matching thread that starts slowly', () => {
  /** The source thread entry, started only after `ms` of busy start-up, as on an overloaded runner. */
  const slowThread = (ms: number): HealthCheckSettings['regexThread'] => ({
    filename: `const t = Date.now(); while (Date.now() - t < ${ms}) {} ${SOURCE_REGEX_THREAD.filename as string}`,
    options: { eval: true },
  });

  it('does not count its start-up against request-timeout: expected-json passes', async () => {
    const server = await serve('{"status":"ok"}');
    const report = await runHealthCheck(
      gateSettings([server.url], {
        expectedJson: jsonCheck('expected-json', "status == 'ok'"),
        regexThread: slowThread(1200),
        requestTimeoutMs: 1000,
        timeoutMs: 20_000,
        intervalMs: 500,
        successThreshold: 2,
      }),
    );
    expect(report).toMatchObject({ outcome: 'healthy', failedRounds: 0 });
  }, 30_000);

  it('does not blame the pattern when no thread had started by the timeout', async () => {
    const server = await serve(`${'a'.repeat(50_000)}!`);
    const report = await runHealthCheck(
      gateSettings([server.url], {
        expectedBody: bodyMatcher('expected-body', '/^(a+)+$/'),
        regexThread: slowThread(5000),
        requestTimeoutMs: 1000,
        timeoutMs: 600,
        intervalMs: 100,
      }),
    );
    expect(report.healthy).toBe(false);
    expect(report.urls[0].lastMismatch).toMatch(
      /^expected-body \/\^\(a\+\)\+\$\/ was not evaluated: the thread that evaluates it had not started within .*; the runner is overloaded, which says nothing about the check/,
    );
  }, 30_000);
});
