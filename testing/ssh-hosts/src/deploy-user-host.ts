import { execFile, type ChildProcess } from 'node:child_process';
import { access, chmod, chown, constants, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { knownHostsLine, type SshTarget } from '@sophia/ssh';
import { httpAnswers, localNginxConfig } from './nginx.js';
import { freePort, sleep } from './ports.js';
import { removeOnExit, spawnLogged, stopProcessTree } from './processes.js';
import { requirePrograms } from './requirements.js';
import { localSshTarget, Sshd, writeSshdFiles } from './sshd.js';

const run = promisify(execFile);

export interface DeployUserHost {
  /** The unprivileged login user (`deploy`), who exists only inside this host. */
  user: string;
  uid: number;
  sshPort: number;
  privateKey: string;
  /** `[127.0.0.1]:<sshPort> ssh-ed25519 AAAA...` */
  knownHosts: string;
  /** A directory only root may write (mode 0755), for the paths an administrator sets up (`/var/www/...` stands here). */
  baseDir: string;
  /** What the system nginx answers on: a default server answering 404, until a site config names `127.0.0.1`. */
  siteUrl: string;
  nginxPort: number;
  /** Where this host's `/etc/nginx` really is (bind-mounted there inside the host), for a test to read. */
  etcNginxDir: string;
  /** Where this host's `/etc/sudoers.d` really is. */
  sudoersDir: string;
  /** An @sophia/ssh target logging in as `user`; overrides apply on top. */
  sshTarget(overrides?: Partial<SshTarget>): SshTarget;
  /** Runs a shell script as root inside the host (an administrator's shell); resolves with its stdout. */
  runAsRoot(script: string): Promise<string>;
  sshdLog(): Promise<string>;
  /** Stops sshd, nginx and the namespace by pid and removes the directory (the host's mounts go with the namespace). */
  stop(): Promise<void>;
}

/**
 * A deploy host as the docs set one up, where the login user is not root: a real sshd that lets
 * only `deploy` in, and the system's nginx started as a distribution does (no `-p`/`-c`: it reads
 * `/etc/nginx/nginx.conf`, workers run as www-data), so `sudo -n nginx -t` and `sudo -n nginx -s
 * reload` under a sudoers rule act on exactly this nginx. Everything runs in a mount namespace of
 * its own (unshare(1)) where `/etc/nginx`, `/etc/sudoers.d`, `/etc/passwd`, `/etc/group` and
 * `/etc/shadow` are bind mounts of private copies: the machine's own files, its nginx and its
 * sudoers are never touched, and many such hosts can run at once. The user, its sudoers rule and its
 * site file are NOT made here: the test runs the documented setup with `runAsRoot`.
 * `loginShell` is the user's shell in /etc/passwd (default /bin/bash), which parses every command.
 * Needs root (namespaces, mounts), as the tests run here and in CI, and sudo (`apt-get install -y sudo`).
 */
export async function startDeployUserHost(options: { loginShell?: string } = {}): Promise<DeployUserHost> {
  if (process.getuid?.() !== 0)
    throw new Error('a deploy-user host needs root (mount namespaces), as the tests run here and in CI');
  await requirePrograms(['/usr/sbin/sshd', '/usr/sbin/nginx', '/usr/bin/unshare', '/usr/bin/nsenter']);
  await access('/usr/bin/sudo', constants.X_OK).catch(() => {
    throw new Error(
      'A deploy-user host runs nginx commands through sudo, which is not installed. Install with: apt-get install -y sudo',
    );
  });
  const user = 'deploy';
  const dir = await mkdtemp(join(tmpdir(), 'sophia-deploy-user-'));
  const cleanup = removeOnExit(dir);
  // mkdtemp makes 0700: the deploy user and nginx's workers must get through it.
  await chmod(dir, 0o755);
  let namespace: ChildProcess | undefined;
  let sshd: Sshd | undefined;
  let nginx: ChildProcess | undefined;
  const stop = async () => {
    await sshd?.stop();
    if (nginx) await stopProcessTree(nginx, 'SIGTERM');
    if (namespace) await stopProcessTree(namespace, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
    cleanup.forget();
  };
  try {
    // The namespace lives as long as this process (and whatever was started inside it).
    namespace = spawnLogged(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sleep', 'infinity'],
      join(dir, 'namespace.log'),
    );
    const pid = namespace.pid!;
    // unshare(1) execs sleep only once the namespace exists: from then on, entering it is safe.
    for (
      let waited = 0;
      (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() !== 'sleep';
      waited += 10
    ) {
      if (waited > 10_000 || namespace.exitCode !== null)
        throw new Error(`unshare did not start: ${await readFile(join(dir, 'namespace.log'), 'utf8')}`);
      await sleep(10);
    }
    const inside = ['nsenter', '-t', String(pid), '-m', '--'];
    const runAsRoot = async (script: string) =>
      (await run(inside[0], [...inside.slice(1), 'sh', '-ec', script])).stdout;

    // Private account files with the deploy user added, as useradd would.
    const etc = join(dir, 'etc');
    await mkdir(etc, { mode: 0o755 });
    const passwd = await readFile('/etc/passwd', 'utf8');
    const taken = new Set(passwd.split('\n').map((line) => Number(line.split(':')[2])));
    let uid = 2000;
    while (taken.has(uid)) uid += 1;
    const home = join(dir, 'home');
    await mkdir(home, { mode: 0o755 });
    await chown(home, uid, uid);
    const accounts: Array<[string, string]> = [
      ['passwd', `${user}:x:${uid}:${uid}::${home}:${options.loginShell ?? '/bin/bash'}\n`],
      ['group', `${user}:x:${uid}:\n`],
      // "*": no password (keys only), not locked: sshd refuses a locked ("!") account even with a key.
      ['shadow', `${user}:*:20000:0:99999:7:::\n`],
    ];
    for (const [name, line] of accounts) {
      await copyFile(`/etc/${name}`, join(etc, name));
      await writeFile(join(etc, name), line, { flag: 'a' });
    }
    const etcNginxDir = join(dir, 'etc-nginx');
    const sudoersDir = join(dir, 'sudoers.d');
    const nginxDir = join(dir, 'nginx');
    for (const path of [join(etcNginxDir, 'sites-enabled'), sudoersDir, join(nginxDir, 'tmp'), join(nginxDir, 'logs')])
      await mkdir(path, { recursive: true, mode: 0o755 });
    const nginxPort = await freePort();
    const at = (name: string) => join(nginxDir, name);
    await writeFile(
      join(etcNginxDir, 'nginx.conf'),
      localNginxConfig({
        head: 'user www-data;\n',
        prefix: nginxDir,
        port: nginxPort,
        // Nothing is served until a site config takes over this port.
        defaultServer: 'return 404;',
        include: '/etc/nginx/sites-enabled/*',
      }),
    );
    await runAsRoot(
      [
        `mount --bind '${etcNginxDir}' /etc/nginx`,
        `mount --bind '${sudoersDir}' /etc/sudoers.d`,
        ...accounts.map(([name]) => `mount --bind '${join(etc, name)}' /etc/${name}`),
      ].join('\n'),
    );

    const sshDir = join(dir, 'ssh');
    await mkdir(sshDir, { mode: 0o755 });
    const { hostKey, userKey, layout } = await writeSshdFiles(sshDir, {
      hostKeyComment: 'sophia-deploy-user-host',
      userKeyComment: 'sophia-deploy-user',
      owner: uid,
    });
    sshd = await Sshd.start({ ...layout, user, marker: dir, launcher: inside }, '/usr/sbin/sshd');
    const running = sshd;

    // The distribution's way: no prefix or config path, so sudo's "nginx -t" and "nginx -s reload" find this one.
    nginx = spawnLogged(inside[0], [...inside.slice(1), '/usr/sbin/nginx', '-g', 'daemon off;'], at('logs/stderr.log'));
    const siteUrl = `http://127.0.0.1:${nginxPort}/`;
    for (let waited = 0; ; waited += 20) {
      if (await httpAnswers(siteUrl)) break;
      if (waited > 10_000 || nginx.exitCode !== null)
        throw new Error(
          `nginx did not start on 127.0.0.1:${nginxPort}: ${await readFile(at('logs/stderr.log'), 'utf8').catch(() => '')}`,
        );
      await sleep(20);
    }
    const knownHosts = knownHostsLine('127.0.0.1', running.port, hostKey.publicKey);
    return {
      user,
      uid,
      sshPort: running.port,
      privateKey: userKey.privateKey,
      knownHosts,
      baseDir: dir,
      siteUrl,
      nginxPort,
      etcNginxDir,
      sudoersDir,
      sshTarget: (overrides = {}) => ({
        ...localSshTarget(running.port, user, userKey.privateKey, knownHosts),
        ...overrides,
      }),
      runAsRoot,
      sshdLog: () => running.log(),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
