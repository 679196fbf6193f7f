import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, readlink, stat, utimes } from 'node:fs/promises';
import { connectSsh } from '@sophia/ssh';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  deployFrontend,
  rollbackFrontend,
  scanSource,
  serializeManifest,
  type FileManifest,
  type FrontendDeployReport,
} from '@sophia/releases';
import { join, rm, servedDifferences, tempDir, writeTree } from './frontend-helpers.js';

/**
 * What a redeploy puts on the wire, counted by the link proxy between the deploy and a real sshd:
 * a build the host already holds (live, or kept after a rollback) costs neither its files nor its
 * manifest. The site's files are random bytes, so any file content sent would show whole (gzip
 * cannot shrink it), and it has many files, so a manifest read back would show too.
 */
let sshHost: LocalSshHost;
let proxy: LinkProxy;
let work: string;
const FILES = 1000;
const FILE_BYTES = 1024;

interface Wire {
  report: FrontendDeployReport;
  manifest: FileManifest;
  up: number;
  down: number;
}

/** `known`: a manifest kept from an earlier deploy (as the action keeps one in the runner's cache), offered to the host. */
async function deploy(source: string, releaseId: string, known?: FileManifest): Promise<Wire> {
  const manifest = await scanSource(source);
  const up = proxy.bytesUpstream;
  const down = proxy.bytesDownstream;
  const session = await connectSsh(
    sshHost.sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: sshHost.sshPort } }),
  );
  try {
    const report = await deployFrontend(
      {
        sourceRoot: source,
        manifest,
        target: sshHost.siteDir,
        releaseId,
        keepReleases: 5,
        nginxReloadCommand: sshHost.nginxReloadCommand,
        lockTimeoutMs: 60_000,
        origin: { commit: releaseId, ref: 'main', runUrl: '', actor: 'tester', runId: `run-${releaseId}` },
        knownManifest: (label, target) => (label === session.label && target === sshHost.siteDir ? known : undefined),
      },
      [{ name: '127.0.0.1', session }],
    );
    return { report, manifest, up: proxy.bytesUpstream - up, down: proxy.bytesDownstream - down };
  } finally {
    await session.close();
  }
}

async function rollbackTo(releaseId: string, runId: string): Promise<void> {
  const session = await connectSsh(sshHost.sshTarget());
  try {
    await rollbackFrontend(
      {
        target: sshHost.siteDir,
        to: { kind: 'release', releaseId },
        markFailed: false,
        nginxReloadCommand: sshHost.nginxReloadCommand,
        lockTimeoutMs: 60_000,
        origin: { commit: 'rollback', ref: 'main', runUrl: '', actor: 'tester', runId },
      },
      [{ name: '127.0.0.1', session }],
    );
  } finally {
    await session.close();
  }
  expect(await readlink(join(sshHost.siteDir, 'current'))).toBe(`releases/${releaseId}`);
}

/** Random bytes per (variant, file), the same each time they are asked for: builds share files exactly. */
const contents = new Map<string, Buffer>();
function content(key: string): Buffer {
  if (!contents.has(key)) contents.set(key, randomBytes(FILE_BYTES));
  return contents.get(key)!;
}

/** A build of FILES random files; `variant` changes every tenth file (same paths). */
async function site(name: string, variant: string): Promise<string> {
  const root = join(work, name);
  await rm(root, { recursive: true, force: true });
  const files: Record<string, Buffer> = { 'index.html': Buffer.from(`<!doctype html><title>${variant}</title>`) };
  for (let index = 0; index < FILES; index++) {
    files[`assets/${index % 20}/file-${index}.bin`] = content(`${index % 10 === 0 ? variant : 'same'}-${index}`);
  }
  await writeTree(root, files);
  return root;
}

const SITE_BYTES = FILES * FILE_BYTES;
/**
 * What any deploy costs whatever the site: the SSH handshake, the remote scripts' text, the lock
 * owner and the release record (about 21 kB each way today). A manifest of this site is several
 * times larger, the files far more, so a redeploy under this bound sent and read back neither.
 */
const FIXED_COST = 32 * 1024;
/** Each test fetches every file over HTTP a few times: on a loaded 2-core machine that takes a while. */
const SLOW_TEST_MS = 180_000;

beforeAll(async () => {
  sshHost = await startSshHost();
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
  work = await tempDir('frontend-redeploy-wire-');
});

afterAll(async () => {
  await proxy?.stop();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

test(
  'a no-change redeploy sends no file content and reads back no manifest, even from a fresh checkout',
  async () => {
    const source = await site('site-a', 'a');
    expect(serializeManifest(await scanSource(source)).length).toBeGreaterThan(4 * FIXED_COST);
    const first = await deploy(source, 'a1');
    expect(first.report.error).toBeUndefined();
    // The first deploy carries every file: the site's bytes cannot be compressed.
    expect(first.up).toBeGreaterThan(SITE_BYTES);

    // A fresh checkout of the same commit: same bytes, new modification times.
    execFileSync('find', [source, '-type', 'f', '-exec', 'touch', '-d', '2030-01-01', '{}', '+']);
    const again = await deploy(source, 'a2');
    expect(again.report.error).toBeUndefined();
    expect(again.report.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 0, filesReused: FILES + 1 });
    expect(again.down).toBeLessThan(FIXED_COST);
    expect(again.up).toBeLessThan(FIXED_COST);
    expect(await servedDifferences(sshHost.siteUrl, source)).toEqual([]);
    // The new release is the same inodes as the one it was cloned from.
    const file = 'assets/3/file-3.bin';
    expect((await stat(join(sshHost.siteDir, 'releases/a2', file))).ino).toBe(
      (await stat(join(sshHost.siteDir, 'releases/a1', file))).ino,
    );
  },
  SLOW_TEST_MS,
);

test(
  'a redeploy after a rollback sends nothing a kept release already holds; an edited kept file is sent again',
  async () => {
    const a = join(work, 'site-a');
    const b = await site('site-b', 'b');
    const toB = await deploy(b, 'b1');
    expect(toB.report.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 1 + FILES / 10 });

    await rollbackTo('a2', 'run-rollback');
    expect(await readlink(join(sshHost.siteDir, 'current'))).toBe('releases/a2');
    expect(await servedDifferences(sshHost.siteUrl, a)).toEqual([]);

    // B again under a new id: every file is in b1, kept; none crosses the wire.
    const backToB = await deploy(b, 'b2');
    expect(backToB.report.error).toBeUndefined();
    expect(backToB.report.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 0, filesReused: FILES + 1 });
    expect(backToB.up).toBeLessThan(FIXED_COST);
    expect(backToB.down).toBeLessThan(FIXED_COST);
    expect(await servedDifferences(sshHost.siteUrl, b)).toEqual([]);
    const changed = 'assets/0/file-0.bin';
    expect((await stat(join(sshHost.siteDir, 'releases/b2', changed))).ino).toBe(
      (await stat(join(sshHost.siteDir, 'releases/b1', changed))).ino,
    );

    // Back on a, then b's copy of a file only b has is edited in place (same length, mtime put back):
    // the next deploy of b sends that file again instead of linking the edited inode.
    await rollbackTo('a2', 'run-rollback-2');
    const edited = join(sshHost.siteDir, 'releases/b2', changed);
    const before = await stat(edited);
    execFileSync('dd', [`of=${edited}`, 'conv=notrunc', 'status=none'], { input: Buffer.alloc(FILE_BYTES, 'x') });
    await utimes(edited, before.atime, before.mtime);
    const afterEdit = await deploy(b, 'b3');
    expect(afterEdit.report.error).toBeUndefined();
    expect(afterEdit.report.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 1 });
    expect(await readFile(join(sshHost.siteDir, 'releases/b3', changed))).toEqual(await readFile(join(b, changed)));
    expect(await servedDifferences(sshHost.siteUrl, b)).toEqual([]);
  },
  SLOW_TEST_MS,
);

test(
  'after a rollback, a new build links the files only a newer kept release holds, and sends only its own',
  async () => {
    await rollbackTo('a2', 'run-rollback-3');
    const c = await site('site-c', 'b');
    await writeTree(c, { 'extra.bin': content('c-extra') });
    const toC = await deploy(c, 'c1');
    expect(toC.report.error).toBeUndefined();
    expect(toC.report.hosts[0]).toMatchObject({ outcome: 'live', filesUploaded: 1, filesReused: FILES + 1 });
    expect(await servedDifferences(sshHost.siteUrl, c)).toEqual([]);
    // b's own version of a file (a2 has another) is b3's inode, not a copy; the edited b2 copy is not used.
    const onlyInB = 'assets/10/file-10.bin';
    expect((await stat(join(sshHost.siteDir, 'releases/c1', onlyInB))).ino).toBe(
      (await stat(join(sshHost.siteDir, 'releases/b3', onlyInB))).ino,
    );
    expect(await readFile(join(sshHost.siteDir, 'releases/c1/assets/0/file-0.bin'))).toEqual(
      await readFile(join(c, 'assets/0/file-0.bin')),
    );
  },
  SLOW_TEST_MS,
);

test(
  'a changed build offered the manifest kept from the last deploy reads no manifest back when the host confirms it',
  async () => {
    const d = await deploy(await site('site-d', 'd'), 'd1');
    expect(d.report.error).toBeUndefined();
    // Without a kept copy the live manifest (c1's) comes back whole.
    expect(d.down).toBeGreaterThan(serializeManifest(d.manifest).length);

    const e = await site('site-e', 'e');
    const kept = await deploy(e, 'e1', d.manifest);
    expect(kept.report.error).toBeUndefined();
    expect(kept.report.hosts[0]).toMatchObject({ knownManifestUsed: true, filesUploaded: 1 + FILES / 10 });
    // What comes back either way (records, the check of any live file whose stat moved) is the same:
    // the difference is the live manifest, no longer read back.
    expect(d.down - kept.down).toBeGreaterThan(serializeManifest(d.manifest).length / 2);
    expect(await servedDifferences(sshHost.siteUrl, e)).toEqual([]);
  },
  SLOW_TEST_MS,
);

test(
  'a kept manifest that is not the live release (altered, or another site) is refused by the host: read back, same result',
  async () => {
    const live = (await scanSource(join(work, 'site-e'))).entries;
    // Poisoned: the live release's manifest with one file's hash altered.
    const poisoned: FileManifest = { version: 1, entries: live.map((entry) => ({ ...entry })) };
    const file = poisoned.entries.find((entry) => entry.type === 'file' && entry.path === 'assets/1/file-1.bin');
    if (file?.type !== 'file') throw new Error('the site has no such file');
    file.sha256 = file.sha256.split('').reverse().join('');
    const f = await site('site-f', 'f');
    const afterPoison = await deploy(f, 'f1', poisoned);
    expect(afterPoison.report.hosts[0]).toMatchObject({
      outcome: 'live',
      knownManifestUsed: false,
      filesUploaded: 1 + FILES / 10,
    });
    expect(afterPoison.down).toBeGreaterThan(serializeManifest(afterPoison.manifest).length);
    expect(await servedDifferences(sshHost.siteUrl, f)).toEqual([]);

    const other = await scanSource(await site('site-other', 'other'));
    const g = await site('site-g', 'g');
    const afterForeign = await deploy(g, 'g1', other);
    expect(afterForeign.report.hosts[0]).toMatchObject({ outcome: 'live', knownManifestUsed: false });
    expect(await servedDifferences(sshHost.siteUrl, g)).toEqual([]);
  },
  SLOW_TEST_MS,
);
