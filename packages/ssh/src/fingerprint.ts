import { createHash } from 'node:crypto';

/** OpenSSH's `SHA256:<base64 without padding>` fingerprint of a public key blob. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const length = keyBlob.readUInt32BE(0);
  if (length > 64 || 4 + length > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** `ssh-ed25519 SHA256:...`: how a key is named in messages. */
export function describeKey(keyBlob: Buffer): string {
  return `${keyTypeOf(keyBlob)} ${fingerprintOf(keyBlob)}`;
}

/** Compares fingerprints the way users write them: with or without base64 padding. */
export function sameFingerprint(a: string, b: string): boolean {
  return a.trim().replace(/=+$/, '') === b.trim().replace(/=+$/, '');
}
