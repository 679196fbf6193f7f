/**
 * How a host's key is verified before authenticating: against `known-hosts` lines (OpenSSH's
 * known_hosts format), against one `SHA256:` fingerprint (as `ssh-keygen -lf` prints it), or not at
 * all (`insecure-skip-host-key-check`, which the action warns about).
 */
export type HostKeyPolicy =
  { kind: 'known-hosts'; knownHosts: string } | { kind: 'fingerprint'; fingerprint: string } | { kind: 'insecure' };

/** One host to reach: a host name or IP address, with its own port when it names one. */
export interface HostTarget {
  host: string;
  /** The TCP port named with the host, if any; `SshConnectRequest.port` applies otherwise. */
  port?: number;
}

/**
 * What connecting to a set of hosts over SSH needs, the same for every host: the SSH inputs read
 * into this shape (`readSshInputs` in @sophia/inputs), and `sshTargetsFrom` makes one target per host.
 */
export interface SshConnectRequest {
  /** Each host to reach, in order; a host without its own port uses `port`. */
  hosts: HostTarget[];
  /** The default TCP port, 1-65535 (22 unless told). */
  port: number;
  /** The user to log in as. */
  user: string;
  /** The private key's text (OpenSSH or PEM armour, see PRIVATE_KEY_SHAPE); a secret. */
  privateKey: string;
  /** The key's passphrase when it is encrypted; a secret. */
  passphrase?: string;
  /** How each host's key is verified before anything is sent. */
  hostKeys: HostKeyPolicy;
  /** Milliseconds to wait for each connection attempt. */
  connectTimeoutMs: number;
  /** How many times to try connecting to a host before failing (1 = no retry). */
  connectAttempts: number;
}

/** How a private key looks, for messages: what users compare their secret with. */
export const PRIVATE_KEY_SHAPE =
  'a "-----BEGIN OPENSSH PRIVATE KEY-----" line, lines of base64, then "-----END OPENSSH PRIVATE KEY-----" (or the same with RSA, EC or PEM headers)';
