import type { SshConnectRequest } from './request.js';

/**
 * One host of an SshConnectRequest (`port` is this host's), with the connection knobs tests and
 * benchmarks turn. Durations in milliseconds.
 */
export interface SshTarget extends Omit<SshConnectRequest, 'hosts'> {
  host: string;
  keepaliveIntervalMs?: number;
  /** First pause between connect attempts; it doubles after each failure. */
  retryDelayMs?: number;
  /**
   * The name host keys are checked against when the TCP connection goes elsewhere (a tunnel or proxy on
   * another port), like OpenSSH's HostKeyAlias. Defaults to host and port.
   */
  hostKeyAlias?: { host: string; port: number };
  /** Commands running at once on one connection; OpenSSH refuses more than MaxSessions (10 by default). */
  maxConcurrentCommands?: number;
}

/** One target per host of the request; a port given with the host wins over the request's `port`. */
export function sshTargetsFrom(settings: SshConnectRequest): SshTarget[] {
  return settings.hosts.map((entry) => ({
    host: entry.host,
    port: entry.port ?? settings.port,
    user: settings.user,
    privateKey: settings.privateKey,
    passphrase: settings.passphrase,
    hostKeys: settings.hostKeys,
    connectTimeoutMs: settings.connectTimeoutMs,
    connectAttempts: settings.connectAttempts,
  }));
}

/** The one name of a host: defined beside the reports, where the inputs check repeated hosts with it too. */
export { hostLabel } from '@sophia/reporting';
