import { randomBytes } from 'node:crypto';
import { connectSsh } from '@sophia/ssh';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { deployFrontend, scanSource, serializeManifest, type FileManifest, type HostReport } from '@sophia/releases';
import { join, rm, servedDifferences, tempDir, writeTree } from './frontend-helpers.js';

/**
 * A redeploy offered the manifest it kept from the last deploy to a target (as the action keeps it in
 * the runner's cache) reads the live manifest back only when the host says the kept copy is not the
 * live release's. Bytes are counted by the link proxy between the deploy and a real sshd. The site's
 * files are random bytes with long names, so a manifest read back shows plainly.
 */
let sandbox: LocalSshHost;
let proxy: LinkProxy;
let work: string;
const FILES = 600;

async function site(name: string, variant: string): Promise<string> {
  const root = join(work, name);
  await rm(root, { recursive: true, force: true });
  const files: Record<string, Buffer> = { 'index.html': Buffer.from(`<!doctype html><title>${variant}</title>`) };
  // One file in a hundred changes between variants: the usual redeploy.
  for (let index = 0; index < FILES; index++) {
    files[`assets/chunk-${index}-${'x'.repeat(40)}.js`] =
      index % 100 === 0 ? Buffer.from(`${variant}-${index}`) : Buffer.from(`same-${index}`);
  }
  await writeTree(root, files);
  return root;
}

async function deploy(
  source: string,
  releaseId: string,
  known?: FileManifest,
): Promise<{ host: HostReport; down: number; manifest: FileManifest }> {
  const manifest = await scanSource(source);
  const down = proxy.bytesDownstream;
  const session = await connectSsh(
    sandbox.sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: sandbox.sshPort } }),
  );
  try {
    const report = await deployFrontend(
      {
        sourceRoot: source,
        manifest,
        target: sandbox.siteDir,
        releaseId,
        keepReleases: 5,
        nginxReloadCommand: sandbox.nginxReloadCommand,
        lockTimeoutMs: 60_000,
        origin: { commit: releaseId, ref: 'main', runUrl: '', actor: 'tester', runId: `run-${releaseId}` },
        knownManifest: (label, target) => {
          expect(label).toBe(session.label);
          expect(target).toBe(sandbox.siteDir);
          return known;
        },
      },
      [{ name: '127.0.0.1', session }],
    );
    expect(report.error).toBeUndefined();
    expect(await servedDifferences(sandbox.siteUrl, source)).toEqual([]);
    return { host: report.hosts[0], down: proxy.bytesDownstream - down, manifest };
  } finally {
    await session.close();
  }
}

beforeAll(async () => {
  sandbox = await startSshHost();
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sandbox.sshPort });
  work = await tempDir('frontend-known-manifest-');
});

afterAll(async () => {
  await proxy?.stop();
  await sandbox?.stop();
  await rm(work, { recursive: true, force: true });
});

test('a kept manifest the host confirms is used, and the live one is not read back', async () => {
  const first = await deploy(await site('a', 'a'), 'r1');
  const manifestBytes = serializeManifest(first.manifest).length;

  // Without a kept copy, the 1%-changed redeploy reads the live manifest back.
  const unknown = await deploy(await site('b', 'b'), 'r2');
  expect(unknown.host.knownManifestUsed).toBeUndefined();
  expect(unknown.host.filesUploaded).toBe(FILES / 100 + 1);

  // With the manifest kept from r2, the same-size redeploy brings back less than the manifest's size.
  const kept = await deploy(await site('c', 'c'), 'r3', unknown.manifest);
  expect(kept.host).toMatchObject({ knownManifestUsed: true, filesUploaded: FILES / 100 + 1 });
  expect(kept.host.log).toContain(
    "the live release's manifest is the copy kept from an earlier deploy (the host confirmed its digest): not read back",
  );
  expect(unknown.down - kept.down).toBeGreaterThan(manifestBytes / 2);
});

test('a kept copy whose content is not the live release is refused by the host and changes nothing in the result', async () => {
  const live = await deploy(await site('d', 'd'), 'r4');
  // Poisoned: the kept entry claims the live release but one file's hash and size were altered.
  const poisoned: FileManifest = JSON.parse(serializeManifest(live.manifest));
  const file = poisoned.entries.find((entry) => entry.type === 'file' && entry.path.startsWith('assets/chunk-1-'));
  if (file?.type !== 'file') throw new Error('the site has no such file');
  file.sha256 = randomBytes(32).toString('hex');
  const afterPoison = await deploy(await site('e', 'e'), 'r5', poisoned);
  expect(afterPoison.host).toMatchObject({ knownManifestUsed: false, filesUploaded: FILES / 100 + 1 });
  expect(afterPoison.host.log).toContain(
    "the kept manifest is not the live release's: the live one was read from the host",
  );

  // A copy kept for another target (an older release of another site) is refused the same way.
  const other = await scanSource(await site('other', 'other'));
  const afterForeign = await deploy(await site('f', 'f'), 'r6', other);
  expect(afterForeign.host).toMatchObject({ knownManifestUsed: false, filesUploaded: FILES / 100 + 1 });
});
