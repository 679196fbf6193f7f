import { isIP } from 'node:net';
import { hostLabel } from '@sophia/reporting';
import type { HostTarget } from '@sophia/ssh';
import { mustBe } from './input-error.js';
import { splitList } from './collections.js';

const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const EXPECTED = 'host names or addresses such as web-1, web-1:2222, 10.0.0.5 or [2001:db8::1]:22';

function port(name: string, entry: string, text: string): number {
  const value = Number(text);
  if (!/^\d{1,5}$/.test(text) || value < 1 || value > 65535) throw mustBe(name, EXPECTED, entry);
  return value;
}

/**
 * Parses `host`, `host:port`, an IPv6 address, or `[ipv6]:port`.
 * @throws InputError naming input `name` when the entry is not an RFC 1123 host name or IP address, or the port is not
 * 1-65535.
 */
export function parseHost(name: string, entry: string): HostTarget {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    if (isIP(bracketed[1]) !== 6) throw mustBe(name, EXPECTED, entry);
    return bracketed[2] === undefined
      ? { host: bracketed[1] }
      : { host: bracketed[1], port: port(name, entry, bracketed[2]) };
  }
  const colons = entry.split(':').length - 1;
  if (colons > 1) {
    if (isIP(entry) !== 6) throw mustBe(name, EXPECTED, entry);
    return { host: entry };
  }
  const [host, portText] = entry.split(':');
  if (!IPV4.test(host) && (!HOSTNAME.test(host) || /^[\d.]+$/.test(host))) throw mustBe(name, EXPECTED, entry);
  return portText === undefined ? { host } : { host, port: port(name, entry, portText) };
}

/**
 * The `host` input: hosts separated by newlines or commas, each as `parseHost` reads it.
 * @param defaultPort the port of an entry that names none (the `port` input; 22, SSH's own default,
 *   when the caller has none), so that `web-1` and `web-1:22` are refused as one host named twice.
 * @throws InputError naming the input, for a bad entry, an empty list, or a host named twice
 *   (the same `hostLabel` once the default port is applied).
 */
export function hostList(name: string, raw: string, defaultPort = 22): HostTarget[] {
  const targets = splitList(raw, 'newline-or-comma').map((entry) => parseHost(name, entry));
  if (targets.length === 0) throw mustBe(name, EXPECTED, raw);
  const seen = new Set<string>();
  for (const target of targets) {
    const label = hostLabel({ host: target.host, port: target.port ?? defaultPort });
    if (seen.has(label)) {
      throw mustBe(
        name,
        `a list without repeated hosts (${label} is named twice; an entry without a port uses ${defaultPort})`,
        raw,
      );
    }
    seen.add(label);
  }
  return targets;
}

/** A single IPv4 or IPv6 address (no port), as Kubernetes lists it in a node's status.addresses. */
export function ipAddress(name: string, raw: string): string {
  const trimmed = raw.trim();
  if (isIP(trimmed) === 0) throw mustBe(name, 'an IPv4 or IPv6 address such as 104.171.202.117', raw);
  return trimmed;
}
