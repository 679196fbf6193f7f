import type { HostKeyPolicy } from './request.js';
import { HostKeyError } from './errors.js';
import { describeKey, fingerprintOf, sameFingerprint } from './fingerprint.js';
import { checkKnownHosts, describeEntry, entriesFor, parseKnownHosts } from './known-hosts.js';

/**
 * The host key check's answer: accepted (with a warning when insecure-skip-host-key-check let an unverified key
 * through), or refused with the error to report.
 */
export type HostKeyVerdict = { ok: true; warning?: string } | { ok: false; error: HostKeyError };

/** The host key policy for one host, ready for ssh2's `hostVerifier` and `algorithms.serverHostKey`. */
export interface HostKeyCheck {
  /** Host key algorithms to offer, narrowed to the key types known_hosts holds for this host (as OpenSSH does). */
  algorithms?: string[];
  verify(presented: Buffer): HostKeyVerdict;
}

// An RSA host key is usable through any of its signature algorithms; the others are named after their key type.
const ALGORITHMS_FOR_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

const CLOSED_BEFORE_AUTH = 'The connection was closed before authentication; nothing was sent to the server.';

function algorithmsFor(keyTypes: string[]): string[] | undefined {
  const algorithms = [...new Set(keyTypes.flatMap((type) => ALGORITHMS_FOR_KEY_TYPE[type] ?? []))];
  return algorithms.length > 0 ? algorithms : undefined;
}

function refuse(name: string, presented: Buffer, expected: string[], detail: string): HostKeyVerdict {
  const message = `Host key verification failed for ${name}: ${detail} ${CLOSED_BEFORE_AUTH}`;
  return { ok: false, error: new HostKeyError(name, fingerprintOf(presented), expected, message) };
}

function knownHostsCheck(knownHosts: string, name: string): HostKeyCheck {
  const entries = parseKnownHosts(knownHosts);
  const forHost = entriesFor(entries, name);
  return {
    algorithms: algorithmsFor(forHost.map((entry) => entry.keyType)),
    verify(presented) {
      const result = checkKnownHosts(entries, name, presented);
      const presentedText = `the server presented ${describeKey(presented)}`;
      switch (result.verdict) {
        case 'match':
          return { ok: true };
        case 'revoked':
          return refuse(
            name,
            presented,
            [],
            `${presentedText}, which known-hosts marks @revoked (line ${result.entry.line}).`,
          );
        case 'mismatch':
          return refuse(
            name,
            presented,
            result.expected.map((entry) => fingerprintOf(entry.key)),
            `${presentedText}, but known-hosts expects ${result.expected.map(describeEntry).join(', ')}. ` +
              'If the server was re-keyed on purpose, update known-hosts; otherwise someone may be intercepting the connection.',
          );
        case 'unknown': {
          const listed = entries.filter((entry) => entry.marker === undefined);
          const others = listed.slice(0, 5).map(describeEntry).join(', ');
          return refuse(
            name,
            presented,
            listed.map((entry) => fingerprintOf(entry.key)),
            `known-hosts has no entry for this host (it lists ${others || 'no host keys'}${listed.length > 5 ? ', …' : ''}); ` +
              `${presentedText}. Add a line for "${name}" (e.g. from ssh-keyscan) or set host-fingerprint.`,
          );
        }
      }
    },
  };
}

function fingerprintCheck(expected: string, name: string): HostKeyCheck {
  return {
    verify(presented) {
      if (sameFingerprint(fingerprintOf(presented), expected)) return { ok: true };
      return refuse(
        name,
        presented,
        [expected],
        `the server presented ${describeKey(presented)}, but host-fingerprint expects ${expected}. ` +
          'If the server was re-keyed on purpose, update host-fingerprint; otherwise someone may be intercepting the connection.',
      );
    },
  };
}

/** How the host key of `name` (a known_hosts name such as `[10.0.0.5]:2222`) is judged under a policy. */
export function hostKeyCheck(policy: HostKeyPolicy, name: string): HostKeyCheck {
  switch (policy.kind) {
    case 'known-hosts':
      return knownHostsCheck(policy.knownHosts, name);
    case 'fingerprint':
      return fingerprintCheck(policy.fingerprint, name);
    case 'insecure':
      return {
        verify: (presented) => ({
          ok: true,
          warning:
            `Host key of ${name} was NOT verified (insecure-skip-host-key-check): it presented ${describeKey(presented)}. ` +
            `Pin it with host-fingerprint: ${fingerprintOf(presented)}`,
        }),
      };
  }
}
