import { bodyMatcher } from '@sophia/inputs';
import {
  describeProbe,
  describeRound,
  Redactor,
  runHealthCheck,
  type HealthCheckSettings,
  type HealthReport,
} from '@sophia/health-check';
import { reply, startServer, type TestServer } from '@sophia-testing/http-servers';
import { gateSettings } from './settings.js';

const SECRET = 'Zq9xT0kenSECRETabcdef0123456789';
const AUTHORIZATION: [string, string] = ['Authorization', `Bearer ${SECRET}`];

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(status: number, body: string, headers: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer((_req, res) => reply(res, status, body, headers));
  servers.push(server);
  return server;
}

/** Runs a short gate and returns everything it shows: the report and each round's log lines. */
async function gateText(urls: string[], overrides: Partial<HealthCheckSettings>): Promise<[HealthReport, string]> {
  const lines: string[] = [];
  const report = await runHealthCheck(
    gateSettings(urls, {
      timeoutMs: 400,
      intervalMs: 100,
      requestTimeoutMs: 300,
      onRound: (round) => {
        lines.push(describeRound(round));
        for (const probe of round.probes) lines.push(describeProbe(probe));
      },
      ...overrides,
    }),
  );
  return [report, `${JSON.stringify(report)}\n${lines.join('\n')}`];
}

describe('a server text quoted in a probe error is redacted before it is shortened', () => {
  it.each([
    [
      'an invalid Location',
      `http://[${'x'.repeat(80)}${SECRET}`,
      /redirect to an invalid location "http:\/\/\[x+\*\*\*"/,
    ],
    [
      'a non-HTTP Location',
      `ftp://h/${'x'.repeat(85)}${SECRET}`,
      /redirect to a non-HTTP location ftp:\/\/h\/x+\*\*\*/,
    ],
  ])('%s ending in the token', async (_name, location, shown) => {
    const server = await serve(302, '', { location });
    const [report, text] = await gateText([server.url], { headers: [AUTHORIZATION], followRedirects: 'any' });
    expect(report.urls[0].lastError).toMatch(shown);
    // Not even the token's first characters, which a cut before redaction would leave.
    expect(text).not.toContain(SECRET.slice(0, 6));
  });

  it('the last Location of a redirect loop', async () => {
    const server = await startServer((_req, res) =>
      reply(res, 302, '', { location: `/${'y'.repeat(60)}${SECRET}?n=${Math.random()}` }),
    );
    servers.push(server);
    const [report, text] = await gateText([server.url], {
      headers: [AUTHORIZATION],
      followRedirects: 'any',
      maxRedirects: 2,
    });
    expect(report.urls[0].lastError).toMatch(
      /^more than 2 redirects \(last to http:\/\/127\.0\.0\.1:\d+\/y{60}\*\*\*\?n=0\./,
    );
    expect(text).not.toContain(SECRET.slice(0, 6));
  });
});

describe('an echoed token hidden by invisible or compatibility characters', () => {
  const spread = (separator: string): string => [...SECRET].join(separator);
  it.each([
    ['zero-width spaces (U+200B)', spread('\u200b')],
    ['soft hyphens (U+00AD)', spread('\u00ad')],
    ['NUL characters', spread('\u0000')],
    ['zero-width spaces as the HTML entity &#8203;', spread('&#8203;')],
    ['NUL characters as JSON escapes', spread('\\u0000')],
    ['fullwidth letters', [...SECRET].map((char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0)).join('')],
    ['hex bytes separated by colons', Buffer.from(SECRET).toString('hex').match(/../g)!.join(':')],
  ])('is masked when written with %s', async (_name, form) => {
    const server = await serve(200, `echo: ${form} end`);
    const [report, text] = await gateText([server.url], {
      headers: [AUTHORIZATION],
      expectedBody: bodyMatcher('expected-body', 'NEVER-THERE'),
    });
    expect(report.urls[0].lastMismatch).toMatch(/"echo: \*\*\* end"$/);
    expect(text).not.toContain(form.slice(0, 12));
  });

  it('masks the folded forms in text, and only them', () => {
    const redactor = new Redactor([AUTHORIZATION]);
    expect(redactor.redact(`a ${[...SECRET].join('\u200b')} b`)).toBe('a *** b');
    expect(redactor.redact('a \uff21\uff22\uff23 b ﬁne')).toBe('a \uff21\uff22\uff23 b ﬁne');
  });

  it('masks a token after a compatibility character that folds longer (U+FDFA), spans kept', () => {
    const redactor = new Redactor([AUTHORIZATION]);
    const text = `${'\ufdfa'.repeat(40)} ${SECRET} ${'\ufdfa'.repeat(40)}`;
    expect(redactor.redact(text)).toBe(`${'\ufdfa'.repeat(40)} *** ${'\ufdfa'.repeat(40)}`);
  });
});

describe('values that are no secret stay readable', () => {
  it('leaves a header value shorter than 4 characters alone (X-Debug: 0, X-Api-Version: 2)', async () => {
    const server = await serve(200, 'status 200 after 10 tries, version 2');
    const [report] = await gateText([server.url], {
      headers: [
        ['X-Debug', '0'],
        ['X-Api-Version', '2'],
      ],
      expectedBody: bodyMatcher('expected-body', 'NEVER-THERE'),
    });
    expect(report.urls[0].lastMismatch).toBe(
      'body does not contain "NEVER-THERE": "status 200 after 10 tries, version 2"',
    );
    expect(report.reason).not.toContain('***');
  });
});

describe('URL parameters that are secrets', () => {
  it('masks a numeric token of 8 digits or more and the parameters of the fragment', async () => {
    const server = await serve(500, 'x');
    const [report, text] = await gateText(
      [`${server.url}?token=98765432109876543210&limit=50&k=abcd1#access_token=frag-secret-123&state=st-77aa`],
      {},
    );
    expect(report.urls[0].url).toBe(`${server.url}?token=***&limit=50&k=***#access_token=***&state=***`);
    for (const secret of ['98765432109876543210', 'frag-secret-123', 'st-77aa']) expect(text).not.toContain(secret);
  });
});
