import { bypassesProxy, toolkitAgents as agentsFromEnv } from '../src/index.js';

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];
const saved = { ...process.env };
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** toolkitAgents() with exactly these proxy variables set. */
function toolkitAgents(env: Record<string, string>): ReturnType<typeof agentsFromEnv> {
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, env);
  return agentsFromEnv();
}

const at = (href: string): URL => new URL(href);

describe('NO_PROXY', () => {
  it.each([
    // IPv6 without brackets, as Go's httpproxy and curl take them; compared as addresses.
    ['http://[fd00::1]/healthz', 'fd00::1', true],
    ['http://[fd00::1]/healthz', 'FD00:0:0::1', true],
    ['http://[fd00::1]/healthz', '[fd00::1]', true],
    ['http://[fd00::1]:8443/healthz', '[fd00::1]:8443', true],
    ['http://[fd00::1]:8443/healthz', '[fd00::1]:80', false],
    ['http://[fd00::1]/healthz', 'fd00::2', false],
    // CIDR ranges (Go; curl since 7.86.0), IPv4 and IPv6.
    ['http://[fd00::1]/healthz', 'fd00::/8', true],
    ['http://[fe80::1]/healthz', 'fd00::/8', false],
    ['http://10.20.30.40/healthz', '10.0.0.0/8', true],
    ['http://192.222.58.232/healthz', '10.0.0.0/8, 192.222.58.0/24', true],
    ['http://11.0.0.1/healthz', '10.0.0.0/8', false],
    ['http://10.20.30.40/healthz', 'fd00::/8', false],
    // The toolkit's own rules, kept.
    ['http://api.internal.test/healthz', 'internal.test', true],
    ['http://api.internal.test/healthz', '.internal.test', true],
    ['http://internal.test.evil/healthz', 'internal.test', false],
    ['http://api.internal.test:8080/healthz', 'api.internal.test:8080', true],
    ['http://api.internal.test:8080/healthz', 'api.internal.test:9090', false],
    ['http://anything/healthz', '*', true],
    ['http://[::1]:8080/healthz', '', true],
    ['http://127.0.0.1:8080/healthz', '', true],
    // Loopback means a loopback IP literal or localhost (Go's httpproxy useProxy), never a name that starts like one.
    ['http://127.9.8.7/healthz', '', true],
    ['http://[::ffff:127.0.0.1]/healthz', '', true],
    ['http://[0:0:0:0:0:0:0:1]/healthz', '', true],
    ['http://localhost:8080/healthz', '', true],
    ['http://127.example.com/healthz', '', false],
    ['http://127.0.0.1.nip.io/healthz', '', false],
    ['http://localhost.example.com/healthz', '', false],
    ['http://[::2]/healthz', '', false],
    ['http://127.example.com/healthz', 'example.com', true],
  ])('%s with NO_PROXY=%s: bypass %s', (href, noProxy, expected) => {
    expect(bypassesProxy(at(href), noProxy)).toBe(expected);
  });

  it('sends bracketless IPv6 entries direct and everything else through the proxy', () => {
    const route = toolkitAgents({ HTTP_PROXY: 'http://proxy.test:3128', NO_PROXY: 'fd00::1,10.0.0.0/8' });
    expect(route(at('http://[fd00::1]/healthz'), false).proxy).toBeUndefined();
    expect(route(at('http://10.1.1.1/healthz'), false).proxy).toBeUndefined();
    expect(route(at('http://[fd00::2]/healthz'), false).proxy).toBe('proxy http://proxy.test:3128 (HTTP_PROXY)');
  });

  it('sends a host name that only looks like a loopback address through the proxy', () => {
    const route = toolkitAgents({ HTTP_PROXY: 'http://proxy.test:3128' });
    expect(route(at('http://127.example.com/healthz'), false).proxy).toBe('proxy http://proxy.test:3128 (HTTP_PROXY)');
    expect(route(at('http://127.0.0.1/healthz'), false).proxy).toBeUndefined();
  });
});

describe('proxy variables', () => {
  it('name the variable and leave the credentials out of the proxy they name', () => {
    const route = toolkitAgents({ https_proxy: 'https://deploy:pr0xy-pw@proxy.test:8443', HTTPS_PROXY: 'http://x:1' });
    const { proxy } = route(at('https://health.example/healthz'), false);
    expect(proxy).toBe('proxy https://proxy.test:8443 (https_proxy)');
    expect(toolkitAgents({ HTTP_PROXY: 'proxy.test:3128' })(at('http://a.test/'), false).proxy).toBe(
      'proxy http://proxy.test:3128 (HTTP_PROXY)',
    );
  });
  it.each([
    [
      { HTTPS_PROXY: 'http://deploy:pr0xy-pw@[bad-host:3128' },
      /^HTTPS_PROXY is not a valid proxy URL: got "http:\/\/\*\*\*@\[bad-host:3128", expected http:\/\/host:port/,
    ],
    [
      { http_proxy: 'socks5://deploy:pr0xy-pw@proxy.test:1080' },
      /^http_proxy must be an http:\/\/ or https:\/\/ proxy URL with a host: got "socks5:\/\/\*\*\*@proxy.test:1080"/,
    ],
    [
      { HTTPS_PROXY: 'http://svc:Ab/9xpr0xy-pw@proxy.corp:3128' },
      /^HTTPS_PROXY is not a valid proxy URL: got "http:\/\/\*\*\*@proxy.corp:3128"/,
    ],
    [
      { HTTPS_PROXY: 'http://svc:2024/pr0xy-pw@127.0.0.1:9' },
      /^HTTPS_PROXY is not a valid proxy URL: got "http:\/\/\*\*\*@127.0.0.1:9", expected http:\/\/user:password@host:port with/,
    ],
    [
      { HTTPS_PROXY: 'svc:Ab#9xpr0xy-pw@proxy.corp:3128' },
      /^HTTPS_PROXY is not a valid proxy URL: got "http:\/\/\*\*\*@proxy.corp:3128"/,
    ],
  ])('refuse a value that is not a proxy URL, before any probe', (env, message) => {
    expect(() => toolkitAgents(env)).toThrow(message);
    try {
      toolkitAgents(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('pr0xy-pw');
    }
  });
});
