import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fingerprintOf, knownHostsLine, shellQuote, type SshTarget } from '@sophia/ssh';
import { Nginx } from './nginx.js';
import { removeOnExit, HOST_MARKER, unmountOnExit } from './processes.js';
import { requirePrograms } from './requirements.js';
import { localSshTarget, Sshd, writeSshdFiles, type KeyPair } from './sshd.js';

const run = promisify(execFile);

export interface LocalSshHostOptions {
  /** Overrides for where the programs are (tests use a missing path to see the install hint). */
  sshdPath?: string;
  nginxPath?: string;
  /**
   * An absolute path at which this host's SSH sessions see its `siteDir`, the same for every host of
   * a fleet (as each machine has its own `/srv/site`), so one action run with one `target` deploys to
   * several hosts: sshd runs in a mount namespace of its own with `siteDir` bound there (root only).
   * nginx, outside it, serves `siteDir` as ever. The directory is created if missing; it stays empty
   * outside the namespaces, and removing it is the caller's.
   */
  fleetSiteDir?: string;
  /** The login key to accept instead of a fresh one: a fleet's hosts share one deploy key, as `ssh-key` is one input. */
  userKey?: KeyPair;
}

/**
 * The nginx command of whichever host's session runs it (each carries `SOPHIA_SSH_HOST=<its dir>`),
 * so one `nginx-test-command` or `nginx-reload-command` serves a fleet, as `nginx -s reload` does on
 * real machines. `nginxPath` as given to `startSshHost`.
 */
export function fleetNginxCommand(action: 'test' | 'reload', nginxPath = '/usr/sbin/nginx'): string {
  const prefix = `"$${HOST_MARKER}/nginx"`;
  return [
    shellQuote(nginxPath),
    `-p ${prefix} -c ${prefix}/nginx.conf -e ${prefix}/logs/error.log`,
    action === 'test' ? '-t -q' : '-s reload',
  ].join(' ');
}

export interface LocalSshHost {
  host: '127.0.0.1';
  sshPort: number;
  /** The login user: the user running the host (root here and in CI; sshd permits root by key only). */
  user: string;
  privateKey: string;
  privateKeyPath: string;
  /** The login key pair (`privateKey`, `privateKeyPath` and its public line). */
  userKey: KeyPair;
  /** The host's public key line (`ssh-ed25519 AAAA... comment`). */
  hostPublicKey: string;
  /** `[127.0.0.1]:<sshPort> ssh-ed25519 AAAA...` */
  knownHosts: string;
  knownHostsPath: string;
  /** A known_hosts line naming this host key at another port of 127.0.0.1 (e.g. a link proxy's). */
  knownHostsFor(port: number): string;
  hostFingerprint: string;
  /** A writable directory for deploys; nginx serves `<baseDir>/site/current`. */
  baseDir: string;
  /** `<baseDir>/site`: the deploy target whose `current` nginx serves. */
  siteDir: string;
  /** Where SSH sessions see `siteDir`: `fleetSiteDir` when given, else `siteDir` itself. The `target` of a deploy. */
  sitePath: string;
  siteUrl: string;
  nginxPort: number;
  nginxTestCommand: string;
  nginxReloadCommand: string;
  /** Included by nginx's main config (`*.conf`): where a deploy installs a site config. */
  nginxConfigDir: string;
  nginxErrorLogPath: string;
  /** Options for OpenSSH's ssh/scp/rsync -e to reach this target the same way (key, known_hosts, port). */
  opensshArgs: string[];
  /**
   * The SSH inputs of an action run that reaches this host: `host`, `port`, `user`, `ssh-key`,
   * `known-hosts`, and `connect-attempts: 1` (a test wants a refused host to fail at once).
   */
  sshInputs(): Record<string, string>;
  /** An @sophia/ssh target for this host (verified by known_hosts); overrides apply on top. */
  sshTarget(overrides?: Partial<SshTarget>): SshTarget;
  /** sshd's log (LogLevel DEBUG1): shows every connection and authentication request. */
  sshdLog(): Promise<string>;
  /** Stops sshd (and its sessions) while keeping its port, keys and nginx: the host "goes away". */
  stopSshd(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  startSshd(): Promise<void>;
  /**
   * Makes the login shell print `banner` (any bytes) on stdout and stderr before every command (as a
   * shared host's `.bashrc` does), or with undefined stop. Takes effect for the next command, also on open connections.
   */
  setLoginBanner(banner: string | undefined): Promise<void>;
  /**
   * Makes the login shell run `script` (bash) before every command, as an rc file would; undefined
   * removes it. For shells that do more than print a fixed banner, such as echoing the command line.
   */
  setLoginScript(script: string | undefined): Promise<void>;
  /**
   * Holds this host's next switches of \`current\` (the rename of \`current.tmp\` over it) until
   * \`release()\`, so a test can stop a run between one host's switch and another's: a \`mv\` ahead of
   * the system's on the login PATH (set through the login script, which it replaces) waits while
   * the hold lasts, then does what \`mv\` was asked. Every other \`mv\` passes straight through.
   */
  holdSwitch(): Promise<SwitchHold>;
  /**
   * Mounts a tmpfs of `bytes` at `path` (default `siteDir`, which must then be empty; root only, as
   * the tests run here and in CI): a disk that fills up, or, inside a release, a mount point nothing
   * can remove. Unmounted by unmountSmallDisk(), stop() or when the process exits.
   */
  mountSmallDisk(bytes: number, path?: string): Promise<void>;
  unmountSmallDisk(path?: string): Promise<void>;
  /** Remounts the small disk at `siteDir` read-only (true) or writable again (false): a target nobody can write, not even root. */
  setSmallDiskReadOnly(readOnly: boolean): Promise<void>;
  /** The pids of the sshd and nginx master processes now running. */
  pids(): number[];
  /** Stops every process the host started, by pid, and removes its directory. */
  stop(): Promise<void>;
}

/** A switch held on one host (see `LocalSshHost.holdSwitch`). */
export interface SwitchHold {
  /** True once a switch reached the hold and is waiting. */
  reached(): boolean;
  /** Lets held switches go on, and removes the hold for later ones. */
  release(): Promise<void>;
}

/** A real OpenSSH server and a real nginx on 127.0.0.1, in a temp dir of their own; many can run at once. */
export async function startSshHost(options: LocalSshHostOptions = {}): Promise<LocalSshHost> {
  const sshdPath = options.sshdPath ?? '/usr/sbin/sshd';
  const nginxPath = options.nginxPath ?? '/usr/sbin/nginx';
  await requirePrograms([sshdPath, nginxPath]);
  const dir = await mkdtemp(join(tmpdir(), 'sophia-ssh-host-'));
  const cleanup = removeOnExit(dir);
  let sshd: Sshd | undefined;
  let nginx: Nginx | undefined;
  const smallDisks = new Map<string, { forget(): void }>();
  const unmount = async (path: string) => {
    const mounted = smallDisks.get(path);
    if (!mounted) return;
    await run('umount', ['-l', path]);
    mounted.forget();
    smallDisks.delete(path);
  };
  const stop = async () => {
    await Promise.all([sshd?.stop(), nginx?.stop()]);
    // Innermost first: a disk mounted inside another one goes before it.
    for (const path of [...smallDisks.keys()].reverse()) await unmount(path);
    await rm(dir, { recursive: true, force: true });
    cleanup.forget();
  };
  try {
    const sshDir = join(dir, 'ssh');
    const baseDir = join(dir, 'base');
    const siteDir = join(baseDir, 'site');
    await mkdir(sshDir, { mode: 0o700 });
    await mkdir(baseDir);
    // A bind mount needs its source: a fleet host's site exists from the start.
    if (options.fleetSiteDir) await mkdir(siteDir);
    const user = userInfo().username;
    const { hostKey, userKey, layout } = await writeSshdFiles(sshDir, {
      hostKeyComment: 'sophia-ssh-host',
      userKeyComment: 'sophia-ssh-host-user',
      userKey: options.userKey,
    });

    // allSettled, not all: when one server fails, the other must be known (and stopped) before we give up.
    const [sshdStart, nginxStart] = await Promise.allSettled([
      Sshd.start(
        {
          ...layout,
          user,
          marker: dir,
          bind: options.fleetSiteDir ? { from: siteDir, at: options.fleetSiteDir } : undefined,
        },
        sshdPath,
      ),
      Nginx.start({ prefix: join(dir, 'nginx'), root: join(siteDir, 'current') }, nginxPath),
    ]);
    if (sshdStart.status === 'fulfilled') sshd = sshdStart.value;
    if (nginxStart.status === 'fulfilled') nginx = nginxStart.value;
    if (sshdStart.status === 'rejected') throw sshdStart.reason;
    if (nginxStart.status === 'rejected') throw nginxStart.reason;
    const running = sshdStart.value;
    const web = nginxStart.value;
    const knownHosts = knownHostsLine('127.0.0.1', running.port, hostKey.publicKey);
    const knownHostsPath = join(sshDir, 'known_hosts');
    await writeFile(knownHostsPath, `${knownHosts}\n`);
    const [, hostKeyBase64] = hostKey.publicKey.split(/\s+/);

    return {
      host: '127.0.0.1',
      sshPort: running.port,
      user,
      privateKey: userKey.privateKey,
      privateKeyPath: userKey.privateKeyPath,
      userKey,
      hostPublicKey: hostKey.publicKey,
      knownHosts,
      knownHostsPath,
      knownHostsFor: (port) => knownHostsLine('127.0.0.1', port, hostKey.publicKey),
      hostFingerprint: fingerprintOf(Buffer.from(hostKeyBase64, 'base64')),
      baseDir,
      siteDir,
      sitePath: options.fleetSiteDir ?? siteDir,
      siteUrl: web.url,
      nginxPort: web.port,
      nginxTestCommand: web.testCommand,
      nginxReloadCommand: web.reloadCommand,
      nginxConfigDir: web.configDir,
      nginxErrorLogPath: web.errorLogPath,
      opensshArgs: [
        '-i',
        userKey.privateKeyPath,
        '-o',
        `UserKnownHostsFile=${knownHostsPath}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-p',
        String(running.port),
      ],
      sshInputs: () => ({
        host: '127.0.0.1',
        port: String(running.port),
        user,
        'ssh-key': userKey.privateKey,
        'known-hosts': knownHosts,
        'connect-attempts': '1',
      }),
      sshTarget: (overrides = {}) => ({
        ...localSshTarget(running.port, user, userKey.privateKey, knownHosts),
        ...overrides,
      }),
      setLoginBanner: async (banner) => {
        // Any bytes, NULs included (a banner may look like anything a command prints).
        const bannerPath = join(sshDir, 'login-banner');
        if (banner !== undefined) await writeFile(bannerPath, banner);
        const show = `cat ${shellQuote(bannerPath)}`;
        await writeFile(layout.loginRcPath, banner === undefined ? '' : `${show}\n${show} >&2\n`);
      },
      setLoginScript: async (script) => {
        await writeFile(layout.loginRcPath, script ?? '');
      },
      holdSwitch: async () => {
        const holdDir = join(dir, 'switch-hold');
        const holding = join(holdDir, 'holding');
        const reached = join(holdDir, 'reached');
        await mkdir(join(holdDir, 'bin'), { recursive: true });
        await rm(reached, { force: true });
        await writeFile(holding, '');
        await writeFile(
          join(holdDir, 'bin', 'mv'),
          [
            '#!/bin/sh',
            'if [ "$1" = -T ] && [ "$2" = current.tmp ] && [ "$3" = current ]; then',
            `  : > ${shellQuote(reached)}`,
            `  while [ -e ${shellQuote(holding)} ]; do sleep 0.05; done`,
            'fi',
            'exec /bin/mv "$@"',
            '',
          ].join('\n'),
          { mode: 0o755 },
        );
        await writeFile(layout.loginRcPath, `export PATH=${shellQuote(join(holdDir, 'bin'))}:"$PATH"\n`);
        return {
          reached: () => existsSync(reached),
          release: async () => {
            await writeFile(layout.loginRcPath, '');
            await rm(holding, { force: true });
          },
        };
      },
      mountSmallDisk: async (bytes, path = siteDir) => {
        if (smallDisks.has(path)) throw new Error(`a small disk is mounted at ${path} already`);
        await mkdir(path, { recursive: true });
        await run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'sophia-small-disk', path]);
        smallDisks.set(path, unmountOnExit(path));
      },
      unmountSmallDisk: (path = siteDir) => unmount(path),
      setSmallDiskReadOnly: async (readOnly) => {
        if (!smallDisks.has(siteDir)) throw new Error('mountSmallDisk() at siteDir first');
        await run('mount', ['-o', `remount,${readOnly ? 'ro' : 'rw'}`, siteDir]);
      },
      sshdLog: () => running.log(),
      stopSshd: () => running.stop(),
      startSshd: () => running.start(),
      pids: () => [running.pid, web.pid].filter((pid): pid is number => pid !== undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
