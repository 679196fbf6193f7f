import { InputError, mustBe } from './input-error.js';
import type { InputReader } from './input-reader.js';
import { boolean, duration, integer } from './scalars.js';
import { hostList } from './hosts.js';
import { PRIVATE_KEY_SHAPE, type HostKeyPolicy, type SshConnectRequest } from '@sophia/ssh';

/**
 * Every input the SSH connection reads, in action.yml order: the actions that connect over SSH declare these same
 * names.
 */
export const SSH_INPUT_NAMES = [
  'host',
  'port',
  'user',
  'ssh-key',
  'ssh-key-passphrase',
  'known-hosts',
  'host-fingerprint',
  'insecure-skip-host-key-check',
  'connect-timeout',
  'connect-attempts',
] as const;

/** The SSH inputs masked in the log before anything else is read, so no error message can print them. */
export const SSH_SECRET_INPUTS = ['ssh-key', 'ssh-key-passphrase'] as const;

const KEY_ARMOR =
  /-----BEGIN ((OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----[\s\S]+-----END ((OPENSSH|RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/;

/**
 * Refuses an `ssh-key` that cannot be a private key, saying why without quoting it: a public key
 * given instead, a key whose line breaks were lost (pasted into a one-line field, or stored with
 * spaces or literal "\n" for newlines), or text without the PEM armor.
 */
export function checkPrivateKeyShape(key: string): void {
  const fail = (problem: string): never => {
    throw new InputError('ssh-key', `Input "ssh-key" ${problem}; a private key is ${PRIVATE_KEY_SHAPE}`);
  };
  if (/^\s*(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)\s+AAAA/.test(key)) {
    fail('holds a public key (the .pub file), not the private key');
  }
  if (!KEY_ARMOR.test(key)) fail('must be a private key in OpenSSH or PEM form, got a value that does not fit');
  if (/PRIVATE KEY-----\\n/.test(key))
    fail('has "\\n" written where its line breaks should be: store the key with real line breaks');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]*-----END/.test(key)) {
    fail(
      'is a private key on one line: its line breaks were lost (a one-line field, or newlines turned into spaces); store the file as it is',
    );
  }
}

function knownHostsLines(name: string, raw: string): string {
  const entries = raw.split(/\r?\n/).filter((line) => line.trim() && !line.trim().startsWith('#'));
  for (const line of entries) {
    const fields = line.trim().split(/\s+/);
    const offset = fields[0].startsWith('@') ? 1 : 0;
    if (fields.length < 3 + offset || !/^[A-Za-z0-9+/]+={0,3}$/.test(fields[2 + offset])) {
      throw mustBe(name, 'known_hosts lines ("host key-type base64-key")', line);
    }
  }
  if (entries.length === 0) throw mustBe(name, 'known_hosts lines ("host key-type base64-key")', raw);
  return raw;
}

function fingerprint(name: string, raw: string): string {
  const trimmed = raw.trim();
  if (!/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    throw mustBe(name, 'a host key fingerprint such as SHA256:<43 base64 characters> (ssh-keygen -lf prints it)', raw);
  }
  return trimmed.replace(/=$/, '');
}

/**
 * The SSH inputs every SSH-reaching action shares, validated before any connection is opened: they
 * are the SSH layer's request as they stand (the inputs add no field of their own).
 */
export function readSshInputs(inputs: InputReader): SshConnectRequest {
  inputs.maskSecrets(...SSH_SECRET_INPUTS);
  const privateKey = inputs.secret('ssh-key', { required: false });
  const passphrase = inputs.secret('ssh-key-passphrase', { required: false });
  const port = inputs.required('port', integer(1, 65535));
  const hosts = inputs.required('host', (name, raw) => hostList(name, raw, port));
  const user = inputs.required('user', (name, raw) => {
    if (!/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/.test(raw.trim())) throw mustBe(name, 'a user name', raw);
    return raw.trim();
  });
  if (!privateKey) throw new InputError('ssh-key', 'Input "ssh-key" is required');
  checkPrivateKeyShape(privateKey);
  const insecure = inputs.required('insecure-skip-host-key-check', boolean);
  const knownHosts = inputs.optional('known-hosts', knownHostsLines);
  const hostFingerprint = inputs.optional('host-fingerprint', fingerprint);
  let hostKeys: HostKeyPolicy;
  if (knownHosts !== undefined && hostFingerprint !== undefined) {
    throw new InputError('known-hosts', 'Give either input "known-hosts" or input "host-fingerprint", not both');
  } else if (knownHosts !== undefined) {
    hostKeys = { kind: 'known-hosts', knownHosts };
  } else if (hostFingerprint !== undefined) {
    hostKeys = { kind: 'fingerprint', fingerprint: hostFingerprint };
  } else if (insecure) {
    hostKeys = { kind: 'insecure' };
  } else {
    throw new InputError(
      'known-hosts',
      'Input "known-hosts" or input "host-fingerprint" is required to verify the server (or set insecure-skip-host-key-check: true)',
    );
  }
  if (insecure) {
    inputs.runner.warn(
      'insecure-skip-host-key-check is true: the server is not verified, and a man in the middle could receive this deploy',
    );
  }
  return {
    hosts,
    port,
    user,
    privateKey,
    passphrase,
    hostKeys: insecure ? { kind: 'insecure' } : hostKeys,
    connectTimeoutMs: inputs.required('connect-timeout', duration({ minMs: 1000, maxMs: 600_000 })),
    connectAttempts: inputs.required('connect-attempts', integer(1, 10)),
  };
}
