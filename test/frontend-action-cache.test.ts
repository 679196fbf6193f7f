import { execFileSync } from 'node:child_process';
import { readdir, readlink } from 'node:fs/promises';
import { runBundledAction, type NodeVersion } from '@sophia-testing/action-runner';
import { startCacheService, type CacheService } from '@sophia-testing/actions-cache';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { join, rm, servedDifferences, tempDir, writeTree } from './frontend-helpers.js';

/**
 * The bundled frontend action with GitHub's cache service (the v2 stand-in) attached, as the runner
 * attaches it: a redeploy restores the manifest the last deploy kept for its target and, when the host
 * confirms it is the live release's, does not read it back over SSH (bytes counted by the link proxy
 * in front of a real sshd). A kept entry that is not the live release's (poisoned, or another
 * target's) is read back instead, and a cache service that is down, or answers 500, is a warning only.
 */
const FILES = 400;
let sshHost: LocalSshHost;
let proxy: LinkProxy;
let workspace: string;

/** A build of FILES small files with long names (a manifest read back shows plainly); `variant` changes one in a hundred. */
async function build(variant: string): Promise<void> {
  const dist = join(workspace, 'dist');
  await rm(dist, { recursive: true, force: true });
  const files: Record<string, string> = { 'index.html': `<!doctype html><title>${variant}</title>` };
  for (let index = 0; index < FILES; index++) {
    files[`assets/chunk-${index}-${'0123456789abcdef'.repeat(3)}.js`] =
      index % 100 === 0 ? `${variant}-${index}` : `same-${index}`;
  }
  await writeTree(dist, files);
}

async function deploy(node: NodeVersion, releaseId: string, cache?: CacheService, extra: Record<string, string> = {}) {
  const down = proxy.bytesDownstream;
  const run = await runBundledAction({
    action: 'deploy-frontend-nginx',
    node,
    inputs: {
      ...sshHost.sshInputs(),
      port: String(proxy.port),
      'known-hosts': '',
      'host-fingerprint': sshHost.hostFingerprint,
      'connect-timeout': '5s',
      source: 'dist',
      target: sshHost.siteDir,
      'nginx-reload-command': sshHost.nginxReloadCommand,
      'lock-timeout': '10s',
      'release-id': releaseId,
      ...extra,
    },
    cwd: workspace,
    cacheService: cache,
    // A cache service answering 500 costs about a minute of @actions/cache's own retries.
    timeoutMs: 120_000,
  });
  expect(run.log).not.toContain('::error');
  expect(run.code).toBe(0);
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe(`releases/${releaseId}`);
  expect(await servedDifferences(sshHost.siteUrl, join(workspace, 'dist'))).toEqual([]);
  return { run, down: proxy.bytesDownstream - down };
}

async function tree(releaseId: string): Promise<string[]> {
  return (await readdir(join(sshHost.siteDir, 'releases', releaseId), { recursive: true })).map(String).sort();
}

/** The stored archive with one sha256 of the kept manifest replaced by another of the same length. */
function poison(cache: CacheService): void {
  const entry = cache.entries.filter((candidate) => candidate.finalized).at(-1)!;
  const tar = execFileSync('zstd', ['-d', '-c'], { input: entry.archive });
  const text = tar.toString('latin1');
  const hash = /"sha256":"([0-9a-f]{64})"/.exec(text)![1];
  const poisoned = Buffer.from(text.replace(hash, hash.split('').reverse().join('')), 'latin1');
  entry.archive = execFileSync('zstd', ['-c'], { input: poisoned });
}

beforeAll(async () => {
  sshHost = await startSshHost();
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
  workspace = await tempDir('frontend-action-cache-');
});

afterAll(async () => {
  await proxy?.stop();
  await sshHost?.stop();
  await rm(workspace, { recursive: true, force: true });
});

describe.each(['node20', 'node24'] as const)('on %s', (node) => {
  let cache: CacheService;
  beforeAll(async () => {
    cache = await startCacheService();
  });
  afterAll(() => cache?.stop());

  test('a redeploy restores the kept manifest and reads back less than one without it, to the same release tree', async () => {
    await build(`${node}-a`);
    const first = await deploy(node, `${node}-a`, cache);
    expect(first.run.log).toContain("kept the live manifest in the runner's cache");
    expect(cache.entries.filter((entry) => entry.finalized)).toHaveLength(1);

    await build(`${node}-b`);
    const uncached = await deploy(node, `${node}-b`, cache, { cache: 'false' });
    await build(`${node}-c`);
    const withCache = await deploy(node, `${node}-c`, cache);
    expect(withCache.run.log).toContain('restored the manifest an earlier deploy kept');
    expect(withCache.run.log).not.toContain('not read back');
    // The entry restored was kept by the first deploy; `b` (deployed with cache: false) kept nothing,
    // so the host is asked about a's manifest while b is live: it says no, and b's is read back.
    expect(withCache.run.log).toContain("the kept manifest is not the live release's");

    await build(`${node}-d`);
    const confirmed = await deploy(node, `${node}-d`, cache);
    expect(confirmed.run.log).toContain("the live release's manifest is the copy kept from an earlier deploy");
    expect(confirmed.down).toBeLessThan(uncached.down);
    expect(confirmed.run.outputs['files-uploaded']).toBe(uncached.run.outputs['files-uploaded']);
    expect(await tree(`${node}-d`)).toEqual(await tree(`${node}-b`));
  });

  test('a poisoned entry is refused by the host and the deploy is right; a service that is down is a warning', async () => {
    poison(cache);
    await build(`${node}-e`);
    const poisoned = await deploy(node, `${node}-e`, cache);
    expect(poisoned.run.log).toContain('restored the manifest an earlier deploy kept');
    expect(poisoned.run.log).toContain("the kept manifest is not the live release's");

    await cache.stop();
    await build(`${node}-f`);
    const down = await deploy(node, `${node}-f`, cache);
    expect(down.run.annotations.filter((note) => note.level === 'warning').map((note) => note.message)).toEqual([
      expect.stringMatching(/^Failed to restore: .*ECONNREFUSED/),
    ]);
    // @actions/cache words a save whose reservation failed as a line of the log, not a warning.
    expect(down.run.log).toContain('Failed to save: Unable to reserve cache');
    expect(down.run.annotations.filter((note) => note.level === 'error')).toEqual([]);
  });
});

test('a cache service or storage answering 500 on restore and save is a warning, never an error annotation', async () => {
  // Once, on the Node GitHub runs: what annotates a 5xx is the bundled @actions/cache, not the runtime.
  const cache = await startCacheService();
  try {
    await build('failing-a');
    await deploy('node24', 'failing-a', cache);
    const warnings = (run: Awaited<ReturnType<typeof deploy>>['run']) =>
      run.annotations.filter((note) => note.level === 'warning').map((note) => note.message);

    // The storage behind the service fails: the kept entry's download, then the new one's upload.
    cache.failBlobsWith(500);
    await build('failing-b');
    const storage = await deploy('node24', 'failing-b', cache);
    expect(warnings(storage.run)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Failed to restore: .*500/),
        expect.stringMatching(/^Failed to save: /),
      ]),
    );
    cache.failBlobsWith(undefined);

    // The service itself answers 500 to every call, after @actions/cache's own retries.
    cache.failWith(500);
    await build('failing-c');
    const service = await deploy('node24', 'failing-c', cache);
    expect(warnings(service.run)).toContainEqual(expect.stringMatching(/^Failed to restore: .*\(500\)/));
    expect(service.run.log).toContain('Failed to save: Unable to reserve cache');
    for (const { run } of [storage, service]) {
      expect(run.log).toContain('::warning::');
      expect(run.log).not.toContain('::error::');
      expect(run.annotations.filter((note) => note.level === 'error')).toEqual([]);
    }
  } finally {
    await cache.stop();
  }
}, 180_000);
