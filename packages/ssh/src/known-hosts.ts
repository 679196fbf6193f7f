import { createHmac } from 'node:crypto';
import { fingerprintOf } from './fingerprint.js';

/** One line of a known_hosts file, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it. */
export interface KnownHostsEntry {
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a comma list of patterns, or one hashed `|1|salt|hash` name. */
  hosts: string;
  keyType: string;
  key: Buffer;
  line: number;
}

/**
 * What known_hosts says about a presented key, in OpenSSH's order: revoked, a match, a mismatch (the host is listed
 * with other keys), or unknown.
 */
export type KnownHostsVerdict =
  | { verdict: 'match'; entry: KnownHostsEntry }
  | { verdict: 'revoked'; entry: KnownHostsEntry }
  | { verdict: 'mismatch'; expected: KnownHostsEntry[] }
  | { verdict: 'unknown' };

/** The name OpenSSH records a host under: `host` on port 22, `[host]:port` elsewhere. */
export function knownHostsName(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return port === 22 ? bare : `[${bare}]:${port}`;
}

/** One known_hosts line for a host and a public key line (`type base64 [comment]`). */
export function knownHostsLine(host: string, port: number, publicKey: string): string {
  const [type, base64] = publicKey.trim().split(/\s+/);
  return `${knownHostsName(host, port)} ${type} ${base64}`;
}

/**
 * Parses known_hosts text: comments, blank and malformed lines are skipped (as OpenSSH skips them), `line` is 1-based.
 * Never throws.
 */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
    }
    const [hosts, keyType, base64] = fields;
    if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,3}$/.test(base64)) return;
    entries.push({ marker, hosts, keyType, key: Buffer.from(base64, 'base64'), line: index + 1 });
  });
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, , salt, hash] = hashed.split('|');
  if (!salt || !hash) return false;
  const computed = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return computed === hash;
}

/** OpenSSH semantics: a negated pattern that matches excludes the host even if another pattern matches. */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) return hashedNameMatches(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** The plain-key entries that name this host (certificate authorities are not host keys; revocations are separate). */
export function entriesFor(entries: KnownHostsEntry[], name: string): KnownHostsEntry[] {
  return entries.filter((entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, name));
}

/**
 * Looks up the key a host presented under `name` (see knownHostsName), with OpenSSH's rules: a @revoked key is refused
 * for every host, @cert-authority lines are not host keys.
 */
export function checkKnownHosts(entries: KnownHostsEntry[], name: string, presented: Buffer): KnownHostsVerdict {
  // A revoked key is refused for every host: revocation exists precisely for keys that leaked.
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(presented));
  if (revoked) return { verdict: 'revoked', entry: revoked };
  const candidates = entriesFor(entries, name);
  const match = candidates.find((entry) => entry.key.equals(presented));
  if (match) return { verdict: 'match', entry: match };
  return candidates.length > 0 ? { verdict: 'mismatch', expected: candidates } : { verdict: 'unknown' };
}

/** An entry for messages: its line number, host field (hashed names shown as such) and key fingerprint. */
export function describeEntry(entry: KnownHostsEntry): string {
  const hosts = entry.hosts.startsWith('|1|') ? '(hashed name)' : entry.hosts;
  return `${hosts} ${entry.keyType} ${fingerprintOf(entry.key)} (line ${entry.line})`;
}
