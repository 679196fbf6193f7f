import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SshTarget } from '@sophia/ssh';
import { readBanner, sleep, startOnFreePort } from './ports.js';
import { processesMarkedWith, HOST_MARKER, spawnLogged, stopProcessTree } from './processes.js';

const run = promisify(execFile);

export interface KeyPair {
  privateKeyPath: string;
  privateKey: string;
  /** `type base64 comment`, as in a .pub file. */
  publicKey: string;
}

export async function generateKeyPair(path: string, comment: string): Promise<KeyPair> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return {
    privateKeyPath: path,
    privateKey: await readFile(path, 'utf8'),
    publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
  };
}

/** An @sophia/ssh target for a host sshd on 127.0.0.1:`port`, its host key checked against `knownHosts`; one attempt, 5 s to connect. */
export function localSshTarget(port: number, user: string, privateKey: string, knownHosts: string): SshTarget {
  return {
    host: '127.0.0.1',
    port,
    user,
    privateKey,
    hostKeys: { kind: 'known-hosts', knownHosts },
    connectTimeoutMs: 5000,
    connectAttempts: 1,
  };
}

export interface SshdLayout {
  dir: string;
  user: string;
  hostKeyPath: string;
  authorizedKeysPath: string;
  /** Unique to this host; every session's processes carry it in their environment. */
  marker: string;
  /**
   * A file bash reads before every command (BASH_ENV): what a shared host's rc files do. Empty by
   * default; the host writes a banner into it to play a host whose shell talks.
   */
  loginRcPath: string;
  /**
   * A directory its sessions see at another path: sshd runs in a mount namespace of its own with
   * `from` bound at `at` (root only), as every machine of a fleet has its own `/srv/site`.
   */
  bind?: { from: string; at: string };
  /** A command sshd is started through (its arguments follow), e.g. nsenter into a mount namespace. */
  launcher?: string[];
}

/** The keys and files of one host's sshd, as writeSshdFiles leaves them. */
export interface SshdFiles {
  hostKey: KeyPair;
  /** The key the host's user logs in with (its public half is the one authorized key). */
  userKey: KeyPair;
  /** The part of the SshdLayout these files make; the host adds its user, marker and mounts. */
  layout: Pick<SshdLayout, 'dir' | 'hostKeyPath' | 'authorizedKeysPath' | 'loginRcPath'>;
}

/**
 * Writes into `dir` (which must exist) what every local sshd reads: a new ed25519 host key, the user's key (`userKey`,
 * else a new one), `authorized_keys` holding it (mode 0600, owned by `owner` when given: sshd reads it as the user
 * logging in) and an empty login rc file (mode 0644, read by the user's shell).
 */
export async function writeSshdFiles(
  dir: string,
  options: { hostKeyComment: string; userKeyComment: string; userKey?: KeyPair; owner?: number },
): Promise<SshdFiles> {
  const hostKey = await generateKeyPair(join(dir, 'ssh_host_ed25519_key'), options.hostKeyComment);
  const userKey = options.userKey ?? (await generateKeyPair(join(dir, 'id_ed25519'), options.userKeyComment));
  const authorizedKeysPath = join(dir, 'authorized_keys');
  await writeFile(authorizedKeysPath, `${userKey.publicKey}\n`, { mode: 0o600 });
  if (options.owner !== undefined) await chown(authorizedKeysPath, options.owner, options.owner);
  const loginRcPath = join(dir, 'login-rc.sh');
  await writeFile(loginRcPath, '', { mode: 0o644 });
  return { hostKey, userKey, layout: { dir, hostKeyPath: hostKey.privateKeyPath, authorizedKeysPath, loginRcPath } };
}

function sshdConfig(layout: SshdLayout, port: number): string {
  const isRoot = process.getuid?.() === 0;
  return [
    `ListenAddress 127.0.0.1:${port}`,
    `HostKey ${layout.hostKeyPath}`,
    `PidFile ${join(layout.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${layout.authorizedKeysPath}`,
    `AllowUsers ${layout.user}`,
    // Keys only; the host runs as root here and in CI, so root may log in with its key (never a password).
    isRoot ? 'PermitRootLogin prohibit-password' : '',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The key files live in a temp dir whose ownership sshd's StrictModes would second-guess.
    'StrictModes no',
    // Parallel deploys and benchmarks open many channels and connections at once.
    'MaxSessions 100',
    'MaxStartups 200',
    'MaxAuthTries 6',
    'LoginGraceTime 30',
    'PermitUserEnvironment no',
    'X11Forwarding no',
    'PrintMotd no',
    'PrintLastLog no',
    'Subsystem sftp internal-sftp',
    // bash runs ~/.bashrc for every command sshd starts unless it believes it is nested (SHLVL >= 1). A dev
    // machine's .bashrc (pyenv init and the like) would add a constant per command that a deploy host need not have.
    // The marker lets stop() find commands a dropped connection left running.
    // BASH_ENV: bash (the login shell of root and most deploy users) sources it before the command, like the
    // rc files of a shared host; the file is empty unless a test makes the shell print a banner.
    `SetEnv SHLVL=1 ${HOST_MARKER}=${layout.marker} BASH_ENV=${layout.loginRcPath}`,
    // VERBOSE records each key offered and the outcome, so tests can prove a refused host key stopped before
    // authentication (DEBUG would also leak sshd's own messages into every session's stderr).
    'LogLevel VERBOSE',
    '',
  ]
    .filter((line, index, lines) => line !== '' || index === lines.length - 1)
    .join('\n');
}

/** A running sshd on one port; it can be stopped and started again on the same port with the same keys. */
export class Sshd {
  private child: ChildProcess | undefined;
  readonly logPath: string;
  readonly configPath: string;

  private constructor(
    private readonly layout: SshdLayout,
    readonly program: string,
    public port: number,
  ) {
    this.logPath = join(layout.dir, 'sshd.log');
    this.configPath = join(layout.dir, 'sshd_config');
  }

  static async start(layout: SshdLayout, program: string, port?: number): Promise<Sshd> {
    // Privilege separation needs this directory when sshd runs as root; the distribution's unit creates it.
    if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    return startOnFreePort(
      (free) => new Sshd(layout, program, free),
      (sshd) => sshd.start(),
      (sshd) => sshd.log(),
      port,
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async log(): Promise<string> {
    return readFile(this.logPath, 'utf8').catch(() => '');
  }

  async start(): Promise<void> {
    if (this.child) return;
    await writeFile(this.configPath, sshdConfig(this.layout, this.port));
    const sshd = [this.program, '-D', '-e', '-f', this.configPath];
    const bind = this.layout.bind;
    // unshare and sh both exec: the pid is sshd's, and the mount goes when its last session does.
    const launcher = this.layout.launcher;
    const child = launcher
      ? spawnLogged(launcher[0], [...launcher.slice(1), ...sshd], this.logPath)
      : bind
        ? spawnLogged(
            'unshare',
            [
              '--mount',
              '--propagation',
              'private',
              '--',
              'sh',
              '-c',
              'mkdir -p "$1" && mount --bind "$2" "$1" && shift 2 && exec "$@"',
              'sh',
              bind.at,
              bind.from,
              ...sshd,
            ],
            this.logPath,
          )
        : spawnLogged(sshd[0], sshd.slice(1), this.logPath);
    this.child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        if ((await readBanner(this.port, 1000)).startsWith('SSH-')) return;
      } catch {
        await sleep(20);
      }
    }
    await this.stop();
    const log = (await this.log()).trim().split('\n').slice(-10).join('\n');
    throw new Error(`sshd did not start on 127.0.0.1:${this.port}:\n${log}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    // Sessions whose connection already ended were reparented away from sshd: found by their marker.
    if (child) await stopProcessTree(child, 'SIGTERM', () => processesMarkedWith(this.layout.marker));
  }
}
