import { access, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get } from 'node:http';
import { PassThrough } from 'node:stream';
import { INSTALL_COMMAND, startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { connectSsh, RemoteCommandError, type SshSession } from '@sophia/ssh';

function fetchText(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    // No keep-alive: after a reload nginx's old workers close idle connections, and a request
    // sent on such a socket just as it closes ends in "socket hang up".
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject);
  });
}

/** Running, that is: a zombie waiting for a busy init to reap it has already ended. */
async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

let targets: LocalSshHost[] = [];

afterAll(async () => {
  await Promise.all(targets.map((target) => target.stop()));
});

test('independent targets at once, each nginx serving <baseDir>/site/current of its own', async () => {
  targets = await Promise.all([startSshHost(), startSshHost(), startSshHost()]);
  expect(new Set(targets.map((target) => target.sshPort)).size).toBe(3);
  expect(new Set(targets.map((target) => target.baseDir)).size).toBe(3);
  for (const [index, target] of targets.entries()) {
    expect(target.knownHosts).toMatch(
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${target.sshPort} ssh-ed25519 AAAA[A-Za-z0-9+/]+=*$`),
    );
    expect(target.hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(target.siteDir).toBe(join(target.baseDir, 'site'));
    expect((await fetchText(target.siteUrl)).status).toBe(404);
    await mkdir(join(target.siteDir, 'releases/one'), { recursive: true });
    await writeFile(join(target.siteDir, 'releases/one/index.html'), `<p>target ${index}</p>`);
    await symlink('releases/one', join(target.siteDir, 'current'));
  }
  for (const [index, target] of targets.entries()) {
    expect(await fetchText(target.siteUrl)).toMatchObject({ status: 200, body: `<p>target ${index}</p>` });
  }
});

test('nginx is tested and reloaded over SSH; a site config installed in nginxConfigDir takes over the site', async () => {
  const [target] = targets;
  const session = await connectSsh(target.sshTarget());
  try {
    const config = `server {\n  listen 127.0.0.1:${target.nginxPort};\n  server_name 127.0.0.1;\n  root ${target.siteDir}/current;\n  add_header X-Release one;\n}\n`;
    await session.run(
      'install site config',
      ['sh', '-c', `cat > "$1"`, 'sh', join(target.nginxConfigDir, 'site.conf')],
      { stdin: config },
    );
    await session.run('test nginx', ['sh', '-c', target.nginxTestCommand]);
    await session.run('reload nginx', ['sh', '-c', target.nginxReloadCommand]);
    let response = await fetchText(target.siteUrl);
    for (let waited = 0; response.headers['x-release'] === undefined && waited < 3000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the new workers start after the reload signal
      response = await fetchText(target.siteUrl);
    }
    expect(response).toMatchObject({ status: 200, body: '<p>target 0</p>', headers: { 'x-release': 'one' } });

    await writeFile(join(target.nginxConfigDir, 'broken.conf'), 'server { bogus_directive on; }\n');
    const error = await session.run('test nginx', ['sh', '-c', target.nginxTestCommand]).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.message).toContain('unknown directive "bogus_directive"');
  } finally {
    await session.close();
  }
});

/** Starts a long sleep over SSH and resolves with its pid once it runs. */
async function remoteSleeper(session: SshSession): Promise<{ pid: number; finished: Promise<unknown> }> {
  const output = new PassThrough();
  const pid = new Promise<number>((resolve) =>
    output.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))),
  );
  const finished = session.exec('wait', ['sh', '-c', 'echo $$; exec sleep 30'], { stdout: output }).catch((e) => e);
  return { pid: await pid, finished };
}

test('stop() ends every process it started (sessions and orphaned commands included) and removes the directory', async () => {
  const target = await startSshHost();
  const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: target.sshPort });
  try {
    const pids = target.pids();
    expect(pids).toHaveLength(2);
    const session = await connectSsh(target.sshTarget());
    const live = await remoteSleeper(session);
    // A command whose connection dropped keeps running, no longer below sshd.
    const dropped = await connectSsh(
      target.sshTarget({
        port: proxy.port,
        hostKeys: { kind: 'known-hosts', knownHosts: target.knownHostsFor(proxy.port) },
      }),
    );
    const orphan = await remoteSleeper(dropped);
    proxy.cut();
    expect(await orphan.finished).toMatchObject({ name: 'SshConnectionLostError' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await alive(live.pid)).toBe(true);
    expect(await alive(orphan.pid)).toBe(true);

    await target.stop();
    expect(await live.finished).toMatchObject({ name: 'SshConnectionLostError' });
    for (const pid of [...pids, live.pid, orphan.pid]) expect(await alive(pid)).toBe(false);
    await expect(access(target.baseDir)).rejects.toThrow();
    await session.close();
  } finally {
    await proxy.stop();
    await target.stop();
  }
});

test('many connections and commands at once', async () => {
  const [, , target] = targets;
  const sessions = await Promise.all(Array.from({ length: 30 }, () => connectSsh(target.sshTarget())));
  try {
    const outputs = await Promise.all(
      sessions.flatMap((session, i) => [0, 1, 2].map((j) => session.run('echo', ['echo', `${i}.${j}`]))),
    );
    expect(new Set(outputs.map((output) => output.stdout)).size).toBe(90);
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
});

test('sshd can go away and come back on the same port with the same keys', async () => {
  const [, target] = targets;
  await target.stopSshd();
  await expect(connectSsh(target.sshTarget())).rejects.toThrow('ECONNREFUSED');
  await target.startSshd();
  const session = await connectSsh(target.sshTarget());
  expect((await session.run('echo', ['echo', 'back'])).stdout).toBe('back\n');
  await session.close();
});

test('a missing sshd or nginx fails with the exact install command', async () => {
  expect(INSTALL_COMMAND).toBe('apt-get install -y openssh-server nginx-light rsync');
  await expect(startSshHost({ sshdPath: '/nonexistent/sshd' })).rejects.toThrow(
    'The local SSH host needs /nonexistent/sshd, which is not installed. Install with: apt-get install -y openssh-server nginx-light rsync',
  );
  await expect(startSshHost({ sshdPath: '/nonexistent/sshd', nginxPath: '/nonexistent/nginx' })).rejects.toThrow(
    'needs /nonexistent/sshd and /nonexistent/nginx, which are not installed. Install with: apt-get install -y openssh-server nginx-light rsync',
  );
});
