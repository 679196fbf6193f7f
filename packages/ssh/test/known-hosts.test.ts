import { createHmac, randomBytes } from 'node:crypto';
import {
  checkKnownHosts,
  hostFieldMatches,
  hostKeyCheck,
  knownHostsLine,
  knownHostsName,
  parseKnownHosts,
  sshTargetsFrom,
} from '@sophia/ssh';

const KEY_A = Buffer.from('000000077373682d727361000000010100', 'hex');
const KEY_B = Buffer.from('0000000b7373682d6564323535313900000020' + '11'.repeat(32), 'hex');
const line = (hosts: string, key: Buffer, type = 'ssh-ed25519') => `${hosts} ${type} ${key.toString('base64')}`;

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

test('names hosts the way OpenSSH records them', () => {
  expect(knownHostsName('web-1', 22)).toBe('web-1');
  expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  expect(knownHostsName('2001:db8::1', 2222)).toBe('[2001:db8::1]:2222');
  expect(knownHostsName('[2001:db8::1]', 22)).toBe('2001:db8::1');
  expect(knownHostsLine('127.0.0.1', 2200, 'ssh-ed25519 AAAA comment')).toBe('[127.0.0.1]:2200 ssh-ed25519 AAAA');
});

test('host fields: comma lists, wildcards, negation, hashed names, case', () => {
  expect(hostFieldMatches('web-1,web-2', 'web-2')).toBe(true);
  expect(hostFieldMatches('*.example.com,!db.example.com', 'app.example.com')).toBe(true);
  expect(hostFieldMatches('*.example.com,!db.example.com', 'db.example.com')).toBe(false);
  expect(hostFieldMatches('web-?', 'WEB-1')).toBe(true);
  expect(hostFieldMatches('[10.0.0.5]:2222', '10.0.0.5')).toBe(false);
  expect(hostFieldMatches('10.0.0.5', '[10.0.0.5]:2222')).toBe(false);
  expect(hostFieldMatches(hashed('[10.0.0.5]:2222'), '[10.0.0.5]:2222')).toBe(true);
  expect(hostFieldMatches(hashed('[10.0.0.5]:2222'), '[10.0.0.5]:2223')).toBe(false);
  expect(hostFieldMatches('web.1', 'webx1')).toBe(false);
});

test('verdicts: match, mismatch with the expected keys, unknown, revoked for any host', () => {
  const entries = parseKnownHosts(
    [
      '# comment',
      '',
      line('web-1', KEY_A, 'ssh-rsa'),
      line('web-1,web-2', KEY_B),
      `@revoked * ssh-ed25519 ${KEY_B.toString('base64')}`,
    ].join('\n'),
  );
  expect(checkKnownHosts(entries.slice(0, 1), 'web-1', KEY_A)).toMatchObject({ verdict: 'match' });
  expect(checkKnownHosts(entries.slice(0, 1), 'web-1', KEY_B)).toMatchObject({
    verdict: 'mismatch',
    expected: [{ line: 3 }],
  });
  expect(checkKnownHosts(entries.slice(0, 1), 'web-3', KEY_A)).toEqual({ verdict: 'unknown' });
  expect(checkKnownHosts(entries, 'web-2', KEY_B)).toMatchObject({ verdict: 'revoked', entry: { line: 5 } });
});

test('cert-authority lines are not host keys', () => {
  const entries = parseKnownHosts(`@cert-authority web-1 ssh-ed25519 ${KEY_B.toString('base64')}`);
  expect(checkKnownHosts(entries, 'web-1', KEY_B)).toEqual({ verdict: 'unknown' });
});

test('one SSH target per host; a port named with the host wins', () => {
  const targets = sshTargetsFrom({
    hosts: [{ host: '104.171.202.103' }, { host: 'web-2', port: 2222 }],
    port: 22,
    user: 'deploy',
    privateKey: 'KEY',
    hostKeys: { kind: 'insecure' },
    connectTimeoutMs: 5000,
    connectAttempts: 3,
  });
  expect(targets.map((target) => [target.host, target.port, target.user, target.connectAttempts])).toEqual([
    ['104.171.202.103', 22, 'deploy', 3],
    ['web-2', 2222, 'deploy', 3],
  ]);
});

test('offers only the host key algorithms known_hosts can verify for the host, as OpenSSH does', () => {
  const knownHosts = [
    line('web-1', KEY_A, 'ssh-rsa'),
    line('web-1', KEY_B, 'ecdsa-sha2-nistp256'),
    line('web-2', KEY_B),
  ].join('\n');
  expect(hostKeyCheck({ kind: 'known-hosts', knownHosts }, 'web-1').algorithms).toEqual([
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
    'ecdsa-sha2-nistp256',
  ]);
  expect(hostKeyCheck({ kind: 'known-hosts', knownHosts }, 'web-3').algorithms).toBeUndefined();
  expect(hostKeyCheck({ kind: 'fingerprint', fingerprint: 'SHA256:x' }, 'web-1').algorithms).toBeUndefined();
});
