import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kubectl, LocalKubectlTransport } from '../src/index.js';

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'runner-temp-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\n';

test('the kubeconfig is written to a private file under the runner temp dir and removed on close', async () => {
  const transport = new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent });
  const file = transport.kubeconfigFile;
  expect(file.startsWith(parent)).toBe(true);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
  expect(readFileSync(file, 'utf8')).toBe(KUBECONFIG);
  await transport.close();
  expect(existsSync(file)).toBe(false);
  expect(existsSync(join(file, '..'))).toBe(false);
});

test('kubectl sees only that kubeconfig and its own cache dir', async () => {
  const transport = new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent, kubectl: 'sh' });
  try {
    const result = await transport.run(['-c', 'echo "$KUBECONFIG $KUBECACHEDIR"']);
    const [kubeconfig, cache] = result.stdout.trim().split(' ');
    expect(kubeconfig).toBe(transport.kubeconfigFile);
    expect(cache).toBe(join(transport.kubeconfigFile, '..', 'cache'));
  } finally {
    await transport.close();
  }
});

test('a missing kubectl binary is named with the input that chose it', async () => {
  const kubectl = new Kubectl(
    new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent, kubectl: '/nonexistent/kubectl' }),
  );
  try {
    await expect(kubectl.run(['version'])).rejects.toThrow(
      'kubectl binary "/nonexistent/kubectl" was not found (input "kubectl"); install kubectl on the runner or name its path',
    );
  } finally {
    await kubectl.close();
  }
});

test('a failing kubectl call names the command, where it ran and what kubectl said', async () => {
  const kubectl = new Kubectl(new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent, kubectl: 'sh' }));
  try {
    await expect(
      kubectl.run(['-c', 'echo "error: the server has asked for the client to provide credentials" >&2; exit 1']),
    ).rejects.toThrow(
      'failed (exit 1, sh on the runner): error: the server has asked for the client to provide credentials',
    );
  } finally {
    await kubectl.close();
  }
});

test('close waits for a stopped watch to exit before removing the directory it may still write its cache into', async () => {
  // Stands in for kubectl writing its discovery cache while a SIGTERM reaches it: it goes on
  // writing (recreating the cache directory, as kubectl does) for a while after the signal.
  const kubectl = join(parent, 'slow-to-end-kubectl');
  writeFileSync(
    kubectl,
    [
      '#!/bin/sh',
      'ending=0',
      "trap 'ending=1' TERM",
      'i=0',
      'n=0',
      'while :; do',
      '  i=$((i+1)); [ -d "$KUBECACHEDIR" ] || mkdir -p "$KUBECACHEDIR"; : > "$KUBECACHEDIR/discovery-$i"',
      '  [ $i = 1 ] && echo "{\\"metadata\\":{\\"name\\":\\"watched\\"}}"',
      '  if [ $ending = 1 ]; then n=$((n+1)); [ $n -gt 1000 ] && exit 0; fi',
      'done',
    ].join('\n'),
    { mode: 0o755 },
  );
  const transport = new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent, kubectl });
  const dir = join(transport.kubeconfigFile, '..');
  const first = new Promise<string>((resolveLine) => {
    const watch = transport.stream(['get', 'pods', '--watch'], (line) => {
      watch.stop();
      resolveLine(line);
    });
  });
  expect(await first).toContain('watched');
  await transport.close();
  // Had the directory gone while the watch still wrote, its cache would be back (or the removal
  // would have failed with ENOTEMPTY).
  await new Promise((resolveLater) => setTimeout(resolveLater, 200));
  expect(existsSync(dir)).toBe(false);
});

test('close ends an aborted kubectl that ignores SIGTERM, and waits for it, before removing its directory', async () => {
  const pidFile = join(parent, 'pid');
  const kubectl = join(parent, 'deaf-kubectl');
  writeFileSync(kubectl, `#!/bin/sh\ntrap '' TERM\necho $$ > ${pidFile}\nwhile :; do sleep 0.1; done\n`, {
    mode: 0o755,
  });
  const transport = new LocalKubectlTransport({ kubeconfig: KUBECONFIG, tempDir: parent, kubectl });
  const dir = join(transport.kubeconfigFile, '..');
  const cancel = new AbortController();
  const running = transport.run(['get', 'pods'], undefined, cancel.signal).catch((error: unknown) => error);
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '')
    await new Promise((resolveLater) => setTimeout(resolveLater, 20));
  const pid = Number(readFileSync(pidFile, 'utf8'));
  cancel.abort(new Error('cancelled'));
  expect(await running).toEqual(new Error('cancelled'));
  await transport.close();
  // Gone before close returned: signal 0 only asks whether the process exists.
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  expect(existsSync(dir)).toBe(false);
});
