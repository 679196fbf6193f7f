import { PRIVATE_KEY_SHAPE } from './request.js';
import { silentLog, type Log } from '@sophia/reporting';
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig } from 'ssh2';
import { HostKeyError, SshAuthError, SshConnectError, SshKeyError } from './errors.js';
import { describeKey } from './fingerprint.js';
import { hostKeyCheck, type HostKeyCheck } from './host-key-policy.js';
import { knownHostsName } from './known-hosts.js';
import { SshSession } from './session.js';
import { hostLabel, type SshTarget } from './target.js';

const { Client, utils } = ssh2;

const DEFAULT_KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;
const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 15_000;

/**
 * The public half of the user's key, for naming it in errors.
 * @throws SshKeyError when the key cannot be parsed or decrypted (the inputs layer checks only its shape:
 *   parsing needs ssh2, which is this layer's).
 */
function userKeyDescription(target: SshTarget): string {
  const parsed = utils.parseKey(target.privateKey, target.passphrase);
  if (parsed instanceof Error) {
    if (/passphrase|encrypted|decrypt/i.test(parsed.message)) {
      throw new SshKeyError(
        'passphrase',
        `Input "ssh-key-passphrase": the private key cannot be decrypted with it (${parsed.message})`,
      );
    }
    // The armor passed the input check, so the body is what is damaged: usually a partial paste.
    throw new SshKeyError(
      'unreadable',
      `Input "ssh-key": the private key cannot be read (${parsed.message}); check that the secret holds the whole key file, line breaks included: ${PRIVATE_KEY_SHAPE}`,
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return describeKey(key.getPublicSSH());
}

function isPermanent(error: unknown): boolean {
  return error instanceof HostKeyError || error instanceof SshAuthError || error instanceof SshKeyError;
}

/** Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One TCP connection, handshake and authentication; resolves with the ready client or rejects with the reason,
 * or with `signal.reason` as soon as `signal` aborts (the connection attempt is ended at once).
 */
function attempt(
  target: SshTarget,
  check: HostKeyCheck,
  keyName: string,
  label: string,
  log: Log,
  signal?: AbortSignal,
): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const client = new Client();
    let hostKeyFailure: HostKeyError | undefined;
    let settled = false;
    const onAbort = (): void => settle(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        client.removeAllListeners('ready');
        client.on('error', () => {});
        client.destroy();
        reject(error);
      } else {
        resolve(client);
      }
    };

    client.once('ready', () => settle());
    client.on('error', (error: Error & { level?: string }) => {
      if (hostKeyFailure) return settle(hostKeyFailure);
      if (error.level === 'client-authentication') {
        return settle(
          new SshAuthError(
            label,
            `SSH authentication failed for ${label}: the server did not accept the key ${keyName} (input "ssh-key") for user "${target.user}". ` +
              `Check input "user" and that this public key is in that user's authorized_keys on the server.`,
          ),
        );
      }
      settle(error);
    });
    client.once('close', () => settle(hostKeyFailure ?? new Error('the connection closed during the SSH handshake')));

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      passphrase: target.passphrase,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      // Only the key we were given: no agent, no password, no keyboard-interactive prompts.
      authHandler: ['publickey'],
      hostVerifier: (key: Buffer) => {
        const verdict = check.verify(key);
        if (!verdict.ok) {
          hostKeyFailure = verdict.error;
          return false;
        }
        if (verdict.warning) log.warning(verdict.warning);
        return true;
      },
    };
    if (check.algorithms) config.algorithms = { serverHostKey: check.algorithms as never };
    client.connect(config);
    // Deploys are chains of small request/response exchanges; Nagle's algorithm would hold each one back.
    client.setNoDelay(true);
  });
}

/**
 * Opens a verified, authenticated SSH session. Network failures are retried with exponential backoff up to
 * `connectAttempts`; a host key that does not verify and a refused key fail at once. `log` gets the retries,
 * the insecure-mode warning (with the fingerprint to pin) and, at debug level, every command the session runs.
 * `signal` is the run's cancel: once it aborts, the attempt under way (TCP connect, handshake, authentication)
 * or the wait before the next one ends at once and the call rejects with `signal.reason`, untouched, so the
 * caller sees its own cancel rather than a connection error; nothing has run on the host by then.
 * @throws HostKeyError, SshAuthError, SshKeyError at once; SshConnectError once the attempts are spent;
 *   `signal.reason` on cancel.
 */
export async function connectSsh(target: SshTarget, log: Log = silentLog, signal?: AbortSignal): Promise<SshSession> {
  const label = hostLabel(target);
  const alias = target.hostKeyAlias ?? { host: target.host, port: target.port };
  const check = hostKeyCheck(target.hostKeys, knownHostsName(alias.host, alias.port));
  const keyName = userKeyDescription(target);
  const attempts = Math.max(1, target.connectAttempts);
  let delay = target.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  for (let number = 1; ; number += 1) {
    try {
      const client = await attempt(target, check, keyName, label, log, signal);
      log.debug(`Connected to ${label} (attempt ${number}/${attempts})`);
      return new SshSession(client, label, target.maxConcurrentCommands, log);
    } catch (error) {
      if (isPermanent(error) || signal?.aborted) throw error;
      // Not `instanceof Error`: socket errors may come from another realm (e.g. a test VM context).
      const reason = typeof (error as Error)?.message === 'string' ? (error as Error).message : String(error);
      if (number >= attempts) {
        throw new SshConnectError(
          label,
          attempts,
          `Could not connect to ${label} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`,
          { cause: error },
        );
      }
      log.info(`Connecting to ${label} failed (attempt ${number}/${attempts}: ${reason}); retrying in ${delay} ms`);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

/**
 * Every host connected (host keys verified, keys accepted) before anything changes anywhere: one
 * refused host stops the whole run here, and the connections already made are closed again. A
 * cancel (`signal`, see connectSsh) ends every attempt and rejects with its reason.
 */
export async function connectAll(
  targets: SshTarget[],
  log: Log = silentLog,
  signal?: AbortSignal,
): Promise<SshSession[]> {
  const attempts = await Promise.allSettled(targets.map((target) => connectSsh(target, log, signal)));
  const failed = attempts.find((attempt): attempt is PromiseRejectedResult => attempt.status === 'rejected');
  if (failed || signal?.aborted) {
    await Promise.allSettled(
      attempts.map((attempt) => (attempt.status === 'fulfilled' ? attempt.value.close() : undefined)),
    );
    throw signal?.aborted ? signal.reason : failed?.reason;
  }
  return attempts.map((attempt) => (attempt as PromiseFulfilledResult<SshSession>).value);
}

/**
 * Connects every target (all or none, see `connectAll`) in a log group of its own (`Connect 2
 * hosts`, ending with the hosts connected), runs `work` with the sessions in target order, and
 * closes every session afterwards whatever happened; a failed close does not hide the work's own
 * result or error. `signal` is the run's cancel while connecting (see connectAll); `work` is not
 * started once it has aborted.
 */
export async function withSessions<T>(
  targets: SshTarget[],
  log: Log,
  work: (sessions: SshSession[]) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const sessions = await log.group(`Connect ${targets.length} host${targets.length === 1 ? '' : 's'}`, async () => {
    const connected = await connectAll(targets, log, signal);
    log.info(`Connected to ${connected.map((session) => session.label).join(', ')}`);
    return connected;
  });
  try {
    return await work(sessions);
  } finally {
    await Promise.allSettled(sessions.map((session) => session.close()));
  }
}
