import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { HttpClient } from '@actions/http-client';
import { hideUrlUserinfo } from '@sophia/inputs';
import { shortenValue } from '@sophia/reporting';

/** A route for probes to one URL: the agent, and the proxy it goes through (undefined: direct). */
export interface AgentRoute {
  agent: http.Agent;
  /** `proxy http://host:port (HTTPS_PROXY)`, credentials left out, for messages; undefined when direct. */
  proxy?: string;
}

/** A proxy read from the environment: its URL, and how messages name it (without its credentials). */
interface ProxySetting {
  url: URL;
  shown: string;
}

/**
 * The proxy variables the toolkit's HTTP client reads, in its order of precedence
 * (@actions/http-client proxy.ts getProxyUrl: lower case first).
 */
const PROXY_VARIABLES = {
  'https:': ['https_proxy', 'HTTPS_PROXY'],
  'http:': ['http_proxy', 'HTTP_PROXY'],
} as const;

/**
 * The proxy for `protocol` from the environment, or undefined. A value without a scheme means
 * http:// (as the toolkit reads it). Throws an Error naming the variable, its value without
 * credentials, and what was expected, for a value that is not an http:// or https:// URL: the
 * toolkit would silently go direct, and the probes would fail far from the cause.
 */
function proxySetting(protocol: 'http:' | 'https:', env: NodeJS.ProcessEnv): ProxySetting | undefined {
  const variable = PROXY_VARIABLES[protocol].find((name) => env[name]);
  if (!variable) return undefined;
  const value = env[variable]!.trim();
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`;
  const hidden = shortenValue(hideUrlUserinfo(withScheme));
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(
      `${variable} is not a valid proxy URL: got "${hidden}", expected http://host:port or https://host:port`,
    );
  }
  // A proxy URL has no path: an @ after / ? # is an unencoded one in the user or password, which
  // the URL parser would turn into a wrong host (and print part of the password as its port).
  if (/^[^:]+:\/\/[^@]*[/?#]\S*@/.test(withScheme)) {
    throw new Error(
      `${variable} is not a valid proxy URL: got "${hidden}", expected http://user:password@host:port with / ? # in the user and password percent-encoded (%2F %3F %23)`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new Error(
      `${variable} must be an http:// or https:// proxy URL with a host: got "${hidden}" (the toolkit's client speaks HTTP CONNECT only)`,
    );
  }
  return { url, shown: `proxy ${url.protocol}//${url.host} (${variable})` };
}

/**
 * Loopback addresses as Go's IP.IsLoopback reads them: 127.0.0.0/8 and ::1, the IPv4 range also
 * when IPv4-mapped (`::ffff:127.0.0.1`).
 */
const LOOPBACK = (() => {
  const list = new net.BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  return list;
})();

/**
 * True for the hosts that never go through a proxy whatever NO_PROXY says: `localhost` and loopback
 * IP literals, as Go's net/http decides (golang.org/x/net/http/httpproxy, config.useProxy: `host ==
 * "localhost"` or `net.ParseIP(host).IsLoopback()`). Only a real address counts: the toolkit's
 * `isLoopbackAddress` tests the text `127.` and so sends a name such as `127.example.com`, which DNS
 * may put anywhere, around the proxy; Go and curl (whose NO_PROXY matches names as names, never
 * by prefix) send it through.
 */
function isLoopbackHost(host: string, family: number): boolean {
  if (host === 'localhost') return true;
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Whether `url` bypasses the proxy under NO_PROXY (`no_proxy` first), a comma-separated list.
 * The toolkit's rules (@actions/http-client checkBypass), kept: `*`; a name matching the host or a
 * parent domain (`example.com`, `.example.com`), optionally with `:port`; loopback always (real
 * loopback addresses only: see isLoopbackHost).
 * Added, as Go's net/http (golang.org/x/net/http/httpproxy) and curl (CURLOPT_NOPROXY, CIDR since
 * 7.86.0) do: IP addresses compared as addresses, IPv6 with or without brackets (`::1`, `[fd00::1]`,
 * `[fd00::1]:8443`), and CIDR ranges (`10.0.0.0/8`, `fd00::/8`), which the toolkit compares as
 * strings against the bracketed host and so never matches.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const hostFamily = net.isIP(host);
  if (isLoopbackHost(host, hostFamily)) return true;
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [network, bits] = entry.replace(/^\[(.*)\](\/)/, '$1$2').split('/');
      const family = net.isIP(network);
      if (!family || family !== hostFamily || !/^\d+$/.test(bits)) continue;
      const range = new net.BlockList();
      try {
        range.addSubnet(network, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
      } catch {
        continue; // a prefix longer than the address: matches nothing, as in Go
      }
      if (range.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
      continue;
    }
    const { name, port: entryPort } = splitEntry(entry);
    if (entryPort && entryPort !== port) continue;
    if (net.isIP(name)) {
      if (hostFamily && sameAddress(host, name)) return true;
      continue;
    }
    const bare = name.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** `name`, `name:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (more than one colon, no port). */
function splitEntry(entry: string): { name: string; port?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1], port: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name, port] = entry.split(':');
    return { name, port };
  }
  return { name: entry };
}

function sameAddress(a: string, b: string): boolean {
  const family = net.isIP(a);
  if (!family || family !== net.isIP(b)) return false;
  const list = new net.BlockList();
  list.addAddress(b, family === 6 ? 'ipv6' : 'ipv4');
  return list.check(a, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Routes that honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case forms first) as the toolkit's
 * HTTP client (@actions/http-client) does for every other action, with NO_PROXY also matching IP
 * addresses and ranges (see bypassesProxy): self-hosted runners behind a proxy need nothing more.
 * Shape: (url, insecureTls) -> a non-keep-alive route for that URL; with insecureTls, any
 * certificate is accepted. The proxy variables are read from process.env once, here: throws an Error naming the
 * variable when one is not a proxy URL. Proxied agents are the toolkit client's own (CONNECT
 * tunnels with the proxy's credentials); one client per scheme, because the client caches a single
 * agent whatever the scheme.
 */
export function toolkitAgents(): (url: URL, insecureTls: boolean) => AgentRoute {
  // process.env itself, not a copy: the toolkit's client reads it again for the proxied agents.
  const env = process.env;
  const proxies = { 'https:': proxySetting('https:', env), 'http:': proxySetting('http:', env) };
  const noProxy = env.no_proxy || env.NO_PROXY || '';
  const clients = new Map<string, HttpClient>();
  const direct = {
    'http:': new http.Agent({ keepAlive: false }),
    secure: new https.Agent({ keepAlive: false }),
    insecure: new https.Agent({ keepAlive: false, rejectUnauthorized: false }),
  };
  return (url, insecureTls) => {
    const proxy = proxies[url.protocol as 'http:' | 'https:'];
    if (!proxy || bypassesProxy(url, noProxy)) {
      const agent = url.protocol !== 'https:' ? direct['http:'] : insecureTls ? direct.insecure : direct.secure;
      return { agent };
    }
    const key = `${url.protocol}${insecureTls}`;
    let client = clients.get(key);
    if (!client) {
      client = new HttpClient('sophia-deploy-actions', [], { keepAlive: false, ignoreSslError: insecureTls });
      clients.set(key, client);
    }
    return { agent: closableTunnel(client.getAgent(url.href)), proxy: proxy.shown };
  };
}

/** The part of the `tunnel` package's agent (the toolkit client's proxied agent) used here. */
interface TunnelAgent extends http.Agent {
  /** How the agent sends its CONNECT requests: http.request or https.request, per proxy scheme. */
  request: typeof http.request;
}

const closable = new WeakSet<http.Agent>();

/**
 * Gives the toolkit's tunnelling agent a `destroy()` that also ends the CONNECT requests still
 * waiting for the proxy's answer. The `tunnel` package keeps no handle on them and sets them no time
 * limit, so a proxy that accepts the connection and never answers CONNECT would hold the process
 * open after the gate has finished. Returns the same agent.
 */
function closableTunnel(agent: http.Agent): http.Agent {
  const tunnel = agent as TunnelAgent;
  if (closable.has(agent) || typeof tunnel.request !== 'function') return agent;
  closable.add(agent);
  const pending = new Set<http.ClientRequest>();
  const send = tunnel.request;
  tunnel.request = ((...args: Parameters<typeof http.request>) => {
    const connect = send(...args);
    pending.add(connect);
    connect.once('close', () => pending.delete(connect));
    connect.once('connect', () => pending.delete(connect));
    return connect;
  }) as typeof http.request;
  const destroy = agent.destroy?.bind(agent);
  agent.destroy = () => {
    for (const connect of pending) connect.destroy();
    pending.clear();
    destroy?.();
  };
  return agent;
}
