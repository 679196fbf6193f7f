import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { actionLog } from '@sophia/action-runtime';
import { silentLog } from '@sophia/reporting';
import { startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  connectSsh,
  HostKeyError,
  knownHostsLine,
  RemoteCommandError,
  SshAuthError,
  SshConnectError,
  SshConnectionLostError,
  SshKeyError,
  type SshSession,
} from '@sophia/ssh';

const run = promisify(execFile);

let server: LocalSshHost;
let impostor: LocalSshHost;
let session: SshSession | undefined;

beforeAll(async () => {
  [server, impostor] = await Promise.all([startSshHost(), startSshHost()]);
});

afterEach(async () => {
  await session?.close();
  session = undefined;
});

afterAll(async () => {
  await Promise.all([server?.stop(), impostor?.stop()]);
});

async function capturingStdout<T>(action: () => Promise<T>): Promise<{ result: T; output: string }> {
  const original = process.stdout.write;
  let output = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await action(), output };
  } finally {
    process.stdout.write = original;
  }
}

/** Runs an attempt that must be refused and returns sshd's log lines for that attempt only. */
async function sshdLogDuring(target: LocalSshHost, action: () => Promise<unknown>): Promise<string> {
  const before = (await target.sshdLog()).length;
  await action();
  // sshd logs the closed connection a moment after the client is gone.
  for (let waited = 0; waited < 3000; waited += 50) {
    const log = (await target.sshdLog()).slice(before);
    if (/Connection closed|Disconnected|disconnect/i.test(log)) return log;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (await target.sshdLog()).slice(before);
}

describe('host key verification', () => {
  test('accepts a [host]:port known_hosts line and a fingerprint', async () => {
    session = await connectSsh(server.sshTarget());
    expect((await session.run('ask the user', ['id', '-un'])).stdout.trim()).toBe(server.user);
    await session.close();
    session = await connectSsh(
      server.sshTarget({ hostKeys: { kind: 'fingerprint', fingerprint: server.hostFingerprint } }),
    );
    expect((await session.run('echo', ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  test('accepts a plain host name (port 22 form) in a comma list, checked under an alias', async () => {
    const knownHosts = `${knownHostsLine('web-9', 22, impostor.hostPublicKey)}\nweb-1,web-2 ${server.hostPublicKey}\n`;
    session = await connectSsh(
      server.sshTarget({ hostKeys: { kind: 'known-hosts', knownHosts }, hostKeyAlias: { host: 'web-2', port: 22 } }),
    );
    expect((await session.run('echo', ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  test('accepts entries hashed by ssh-keygen -H', async () => {
    const path = join(server.baseDir, 'hashed_known_hosts');
    await writeFile(path, `${server.knownHosts}\n`);
    await run('ssh-keygen', ['-H', '-f', path]);
    const knownHosts = await readFile(path, 'utf8');
    expect(knownHosts).toMatch(/^\|1\|/);
    expect(knownHosts).not.toContain('127.0.0.1');
    session = await connectSsh(server.sshTarget({ hostKeys: { kind: 'known-hosts', knownHosts } }));
    expect((await session.run('echo', ['echo', 'ok'])).stdout).toBe('ok\n');
  });

  test('a different key for the host fails before authentication, naming host and both fingerprints', async () => {
    const knownHosts = knownHostsLine('127.0.0.1', server.sshPort, impostor.hostPublicKey);
    let error: unknown;
    const log = await sshdLogDuring(server, async () => {
      error = await connectSsh(
        server.sshTarget({ hostKeys: { kind: 'known-hosts', knownHosts }, connectAttempts: 3 }),
      ).catch((e) => e);
    });
    expect(error).toBeInstanceOf(HostKeyError);
    const message = (error as Error).message;
    expect(message).toContain(`[127.0.0.1]:${server.sshPort}`);
    expect(message).toContain(`presented ssh-ed25519 ${server.hostFingerprint}`);
    expect(message).toContain(`expects [127.0.0.1]:${server.sshPort} ssh-ed25519 ${impostor.hostFingerprint}`);
    expect(log).toContain('Connection from 127.0.0.1');
    expect(log).not.toMatch(/publickey|Accepted|Failed|userauth/i);
    // Not retried: one connection only.
    expect(log.match(/Connection from/g)).toHaveLength(1);
  });

  test('a wrong fingerprint fails naming both fingerprints', async () => {
    const error = await connectSsh(
      server.sshTarget({ hostKeys: { kind: 'fingerprint', fingerprint: impostor.hostFingerprint } }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(HostKeyError);
    expect(error.message).toContain(`presented ssh-ed25519 ${server.hostFingerprint}`);
    expect(error.message).toContain(`host-fingerprint expects ${impostor.hostFingerprint}`);
    expect(error).toMatchObject({
      presentedFingerprint: server.hostFingerprint,
      expectedFingerprints: [impostor.hostFingerprint],
    });
  });

  test('an unknown host fails before authentication, listing what known_hosts does know', async () => {
    let error: unknown;
    const log = await sshdLogDuring(server, async () => {
      error = await connectSsh(
        server.sshTarget({ hostKeys: { kind: 'known-hosts', knownHosts: impostor.knownHosts } }),
      ).catch((e) => e);
    });
    expect(error).toBeInstanceOf(HostKeyError);
    const message = (error as Error).message;
    expect(message).toContain(`Host key verification failed for [127.0.0.1]:${server.sshPort}`);
    expect(message).toContain('no entry for this host');
    expect(message).toContain(`[127.0.0.1]:${impostor.sshPort} ssh-ed25519 ${impostor.hostFingerprint}`);
    expect(message).toContain(server.hostFingerprint);
    expect(log).not.toMatch(/publickey|Accepted|Failed|userauth/i);
  });

  test('a key marked @revoked is refused even when another line lists it', async () => {
    const knownHosts = `${server.knownHosts}\n@revoked * ${server.hostPublicKey}\n`;
    const error = await connectSsh(server.sshTarget({ hostKeys: { kind: 'known-hosts', knownHosts } })).catch((e) => e);
    expect(error).toBeInstanceOf(HostKeyError);
    expect(error.message).toContain('@revoked');
  });

  test('insecure mode connects and warns with the fingerprint to pin', async () => {
    const { result, output } = await capturingStdout(() =>
      connectSsh(server.sshTarget({ hostKeys: { kind: 'insecure' } }), actionLog),
    );
    session = result;
    expect(output).toContain('::warning::');
    expect(output).toContain(`NOT verified`);
    expect(output).toContain(server.hostFingerprint);
  });
});

describe('authentication and retries', () => {
  test('a key the server does not know fails clearly, once', async () => {
    const lines: string[] = [];
    const log = { ...silentLog, info: (line: string) => lines.push(line), debug: (line: string) => lines.push(line) };
    const error = await connectSsh(
      server.sshTarget({ privateKey: impostor.privateKey, connectAttempts: 4, retryDelayMs: 1000 }),
      log,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(SshAuthError);
    expect(error.message).toContain(`SSH authentication failed for 127.0.0.1:${server.sshPort}`);
    expect(error.message).toMatch(/the server did not accept the key ssh-ed25519 SHA256:\S+ \(input "ssh-key"\)/);
    expect(error.message).toContain(`for user "${server.user}"`);
    // Once: a refused key is not retried, though four attempts were allowed.
    expect(lines.filter((line) => /retrying/.test(line))).toEqual([]);
  });

  test('an unreadable key is refused before any connection, naming the input to fix', async () => {
    const error = await connectSsh(
      server.sshTarget({ privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nnope\n-----END OPENSSH PRIVATE KEY-----' }),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(SshKeyError);
    expect(error).toMatchObject({ name: 'SshKeyError', reason: 'unreadable' });
    expect(error.message).toMatch(
      /^Input "ssh-key": the private key cannot be read \(.+\); check that the secret holds the whole key file, line breaks included: a "-----BEGIN OPENSSH PRIVATE KEY-----" line, lines of base64/,
    );
  });

  test('a passphrase that does not decrypt the key is refused before any connection, naming the input', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ssh-key-'));
    try {
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'the right one', '-f', join(dir, 'id')]);
      const privateKey = await readFile(join(dir, 'id'), 'utf8');
      const error = await connectSsh(server.sshTarget({ privateKey, passphrase: 'a wrong one' })).catch((e) => e);
      expect(error).toBeInstanceOf(SshKeyError);
      expect(error).toMatchObject({ reason: 'passphrase' });
      expect(error.message).toMatch(/^Input "ssh-key-passphrase": the private key cannot be decrypted with it/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a refused port is retried with backoff until sshd appears', async () => {
    const target = await startSshHost();
    try {
      await target.stopSshd();
      setTimeout(() => void target.startSshd(), 400);
      const started = Date.now();
      const { result, output } = await capturingStdout(() =>
        connectSsh(target.sshTarget({ connectAttempts: 6, retryDelayMs: 100 }), actionLog),
      );
      session = result;
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(output).toMatch(/failed \(attempt 1\/6: connect ECONNREFUSED/);
      expect((await session.run('echo', ['echo', 'back'])).stdout).toBe('back\n');
      await session.close();
      session = undefined;
    } finally {
      await target.stop();
    }
  });

  test('gives up after the configured attempts, naming them and the last reason', async () => {
    const target = await startSshHost();
    await target.stopSshd();
    try {
      const { result } = await capturingStdout(() =>
        connectSsh(target.sshTarget({ connectAttempts: 2, retryDelayMs: 50 })).catch((e) => e),
      );
      expect(result).toBeInstanceOf(SshConnectError);
      expect(result.message).toBe(
        `Could not connect to 127.0.0.1:${target.sshPort} after 2 attempts: connect ECONNREFUSED 127.0.0.1:${target.sshPort}`,
      );
    } finally {
      await target.stop();
    }
  });

  test('a handshake that never completes times out within connectTimeoutMs', async () => {
    const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: server.sshPort, latencyMs: 2000 });
    try {
      const started = Date.now();
      const error = await connectSsh(
        server.sshTarget({ port: proxy.port, connectTimeoutMs: 300, connectAttempts: 1 }),
      ).catch((e) => e);
      expect(error).toBeInstanceOf(SshConnectError);
      expect(error.message).toMatch(/Timed out while waiting for handshake/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await proxy.stop();
    }
  });

  test('a cancel while the server has not answered ends the attempt and rejects with the cancel', async () => {
    // The link passes nothing: the client is connected and waits for the server's banner.
    const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: server.sshPort });
    proxy.stall();
    try {
      const cancel = new AbortController();
      const reason = new Error('The run was cancelled');
      const connecting = connectSsh(
        server.sshTarget({ port: proxy.port, connectTimeoutMs: 60_000, connectAttempts: 3 }),
        silentLog,
        cancel.signal,
      ).catch((e) => e);
      while (proxy.connections === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      cancel.abort(reason);
      expect(await connecting).toBe(reason);
      // The connection itself is ended, not left to its timeout.
      while (proxy.activeConnections > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(proxy.connections).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  test('a cancel between attempts ends the wait and rejects with the cancel', async () => {
    const target = await startSshHost();
    await target.stopSshd();
    try {
      const cancel = new AbortController();
      const reason = new Error('The run was cancelled');
      const log = { ...silentLog, info: (line: string) => /retrying in/.test(line) && cancel.abort(reason) };
      const error = await connectSsh(
        target.sshTarget({ connectAttempts: 3, retryDelayMs: 60_000 }),
        log,
        cancel.signal,
      ).catch((e) => e);
      expect(error).toBe(reason);
    } finally {
      await target.stop();
    }
  });
});

describe('remote commands', () => {
  beforeEach(async () => {
    session = await connectSsh(server.sshTarget());
  });

  test('a failing command names its purpose, exit code and only the tail of stderr', async () => {
    const script = 'for i in $(seq 1 50); do echo "line $i" >&2; done; exit 7';
    const error = await session!.runScript('build the release', script).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error).toMatchObject({ purpose: 'build the release', code: 7 });
    expect(error.message).toMatch(
      new RegExp(`^build the release failed on 127\\.0\\.0\\.1:${server.sshPort} \\(exit code 7\\):\\nline 31\\n`),
    );
    expect(error.message).toMatch(/line 50$/);
    expect(error.message).not.toContain('line 30\n');
    expect(await session!.run('allowed failure', ['sh', '-c', 'exit 3'], { okExitCodes: [0, 3] })).toMatchObject({
      code: 3,
    });
  });

  test('runScript passes arguments as data, never as shell syntax', async () => {
    const args = ['$(touch pwned)', '`id`', "it's", 'two words', '-rf', 'line\nbreak', '😀'];
    const { stdout } = await session!.runScript('echo args', 'cd "$1" && shift && printf "%s\\0" "$@"; ls', [
      server.baseDir,
      ...args,
    ]);
    const [printed, listing] = [
      stdout.slice(0, stdout.lastIndexOf('\0') + 1),
      stdout.slice(stdout.lastIndexOf('\0') + 1),
    ];
    expect(printed.split('\0').slice(0, -1)).toEqual(args);
    expect(listing).not.toContain('pwned');
  });

  test('streams a few MB of stdin (stream, Buffer, string) and stdout', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const digest = createHash('sha256').update(payload).digest('hex');
    const fromStream = await session!.run('hash a stream', ['sha256sum'], {
      stdin: Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]),
    });
    expect(fromStream.stdout.split(' ')[0]).toBe(digest);
    expect((await session!.run('hash a buffer', ['sha256sum'], { stdin: payload })).stdout.split(' ')[0]).toBe(digest);
    expect((await session!.run('echo a string', ['cat'], { stdin: 'héllo\n' })).stdout).toBe('héllo\n');

    const sink = new PassThrough();
    let received = 0;
    sink.on('data', (chunk: Buffer) => (received += chunk.length));
    const result = await session!.exec('read zeros', ['head', '-c', '3000000', '/dev/zero'], { stdout: sink });
    expect(result).toMatchObject({ code: 0, stdoutBytes: 3_000_000 });
    expect(received).toBe(3_000_000);
  });

  test('a command that stops reading its input reports its own exit, not a broken pipe', async () => {
    const error = await session!
      .run('refuse input', ['sh', '-c', 'echo "tar: bad archive" >&2; exit 2'], {
        stdin: Readable.from(
          (function* () {
            for (let i = 0; i < 64; i++) yield randomBytes(64 * 1024);
          })(),
        ),
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.message).toContain('tar: bad archive');
  });

  test('counts channels and queues commands beyond what one connection may run at once', async () => {
    const before = session!.channelsOpened;
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => session!.run(`job ${i}`, ['echo', String(i)])),
    );
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 24 }, (_, i) => `${i}\n`));
    expect(session!.channelsOpened - before).toBe(24);
  });

  test('nasty arguments reach the remote login shell intact', async () => {
    const args = ["'", '"', '$(id)', '`id`', '\n', ' ', '-n', '--', '\\', '*', 'ü😀', ''];
    const { stdout } = await session!.run('printf', ['printf', '%s\\0', ...args]);
    expect(stdout.split('\0').slice(0, -1)).toEqual(args);
  });

  test('a command past its timeout fails and the session stays usable', async () => {
    const error = await session!.run('hang', ['sleep', '10'], { timeoutMs: 200 }).catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.message).toContain('hang failed');
    expect(error.message).toContain('timed out after 200 ms');
    expect((await session!.run('echo', ['echo', 'still here'])).stdout).toBe('still here\n');
  });
});

describe('a login shell that prints a banner', () => {
  const banner = 'Welcome to web-1 \u0000 status\u0000 0 -- shared host, be nice';

  beforeAll(() => server.setLoginBanner(banner));
  afterAll(() => server.setLoginBanner(undefined));

  test('what the shell prints before the command is never part of its output or its errors', async () => {
    session = await connectSsh(server.sshTarget());
    // The banner reaches the channel (OpenSSH's own client shows it) ...
    const openssh = await run('ssh', [...server.opensshArgs, `${server.user}@127.0.0.1`, 'printf', 'x']);
    expect(openssh.stdout).toContain('Welcome to web-1');
    // ... but never what a command returns.
    expect((await session.run('echo', ['printf', '%s\\0', 'a', 'b'])).stdout).toBe('a\0b\0');
    const error = await session.runScript('fail', 'echo "real reason" >&2; exit 4').catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.message).toContain('real reason');
    expect(error.message).not.toContain('Welcome');

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const streamed = await session.exec('stream', ['head', '-c', '200000', '/dev/zero'], { stdout: sink });
    expect(streamed.stdoutBytes).toBe(200_000);
    expect(Buffer.concat(chunks).equals(Buffer.alloc(200_000))).toBe(true);
  });
});

describe('a login shell that echoes the command it runs', () => {
  afterAll(() => server.setLoginScript(undefined));

  test('its echo of the command line is never taken for the output marker', async () => {
    await server.setLoginScript('echo "$BASH_EXECUTION_STRING"\necho "$BASH_EXECUTION_STRING" >&2\n');
    session = await connectSsh(server.sshTarget());
    expect((await session.run('echo', ['printf', '%s', 'only this'])).stdout).toBe('only this');
    const error = await session.runScript('fail', 'echo "real reason" >&2; exit 4').catch((e) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.message).toContain('real reason');
    expect(error.message).not.toContain('printf');
  });
});

describe('through a link proxy', () => {
  test('keepalive notices a link that died silently', async () => {
    const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: server.sshPort });
    try {
      session = await connectSsh(
        server.sshTarget({
          port: proxy.port,
          hostKeys: { kind: 'known-hosts', knownHosts: server.knownHostsFor(proxy.port) },
          keepaliveIntervalMs: 100,
        }),
      );
      const running = session.run('wait', ['sleep', '10']).catch((e) => e);
      await new Promise((resolve) => setTimeout(resolve, 100));
      proxy.stall();
      const started = Date.now();
      const error = await running;
      expect(error).toBeInstanceOf(SshConnectionLostError);
      expect(error.message).toContain('Keepalive timeout');
      expect(Date.now() - started).toBeLessThan(2000);
      session = undefined;
    } finally {
      await proxy.stop();
    }
  });

  test('host keys verify under the alias; a cut connection fails the running command', async () => {
    const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: server.sshPort });
    try {
      session = await connectSsh(
        server.sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: server.sshPort } }),
      );
      expect((await session.run('echo', ['echo', 'via proxy'])).stdout).toBe('via proxy\n');
      expect(proxy.bytesUpstream).toBeGreaterThan(0);
      const running = session.run('wait', ['sleep', '10']).catch((e) => e);
      setTimeout(() => proxy.cut(), 100);
      const error = await running;
      expect(error).toBeInstanceOf(SshConnectionLostError);
      expect(error.message).toContain('wait failed on');
      expect(error.message).toContain('connection lost');
      await expect(session.run('after', ['true'])).rejects.toBeInstanceOf(SshConnectionLostError);
      session = undefined;
      // Without the alias the proxy's own port is what known_hosts must name.
      const error2 = await connectSsh(server.sshTarget({ port: proxy.port })).catch((e) => e);
      expect(error2).toBeInstanceOf(HostKeyError);
      expect(error2.message).toContain(`[127.0.0.1]:${proxy.port}`);
      session = await connectSsh(
        server.sshTarget({
          port: proxy.port,
          hostKeys: { kind: 'known-hosts', knownHosts: server.knownHostsFor(proxy.port) },
        }),
      );
      expect((await session.run('echo', ['echo', 'named by the proxy port'])).stdout).toBe('named by the proxy port\n');
    } finally {
      await proxy.stop();
    }
  });
});
