import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { connectSsh, type SshSession } from '@sophia/ssh';
import { startLinkProxy, startSshHost, type LinkProxy, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import {
  deployFrontend,
  FrontendDeployFailedError,
  rollbackFrontend,
  scanSource,
  type ReleaseOrigin,
} from '@sophia/releases';

/**
 * The release layout under random histories, on a real sshd: deploys that succeed, deploys that
 * fail (smoke check, reload) and deploys whose connection is cut at a random byte (the runner
 * dying mid-run, anywhere from the lock to the unlock), interleaved with rollbacks. After every
 * step, with no run active: `current` points at a complete release, the lock is free, and every
 * release on the host is byte for byte (and mode for mode) the build it was deployed from.
 */
const PATHS = ['index.html', 'app.js', 'assets/style.css', 'assets/deep/data.json', 'img/logo.bin'];
// Few distinct contents, so builds share files and releases are built from hard links too.
const CONTENTS = ['', 'a', 'console.log(1)\n', 'body{}\n', 'x'.repeat(5000), 'y'.repeat(70_000)];

type Build = Record<string, { content: string; executable: boolean }>;
type Step =
  | { kind: 'deploy'; build: Build; fault: 'none' | 'smoke' | 'reload' }
  | { kind: 'crash'; build: Build; cutAfterBytes: number }
  | { kind: 'rollback' };

const buildArb: fc.Arbitrary<Build> = fc.dictionary(
  fc.constantFrom(...PATHS),
  fc.record({ content: fc.constantFrom(...CONTENTS), executable: fc.boolean() }),
  { minKeys: 1 },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deploy' as const),
      build: buildArb,
      fault: fc.constant('none' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deploy' as const),
      build: buildArb,
      fault: fc.constantFrom('smoke' as const, 'reload' as const),
    }),
  },
  // A deploy's upstream bytes here run from a few KB (lock, nothing to send) to ~100 KB: cuts land in every phase.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      build: buildArb,
      cutAfterBytes: fc.integer({ min: 1, max: 60_000 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'rollback' as const }) },
);

let sshHost: LocalSshHost;
let proxy: LinkProxy;
let work: string;
let history = 0;

beforeAll(async () => {
  sshHost = await startSshHost();
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
  work = await mkdtemp(join(tmpdir(), 'release-layout-'));
});
afterAll(async () => {
  await proxy?.stop();
  await sshHost?.stop();
  await rm(work, { recursive: true, force: true });
});

function connect(): Promise<SshSession> {
  return connectSsh(
    sshHost.sshTarget({ port: proxy.port, hostKeyAlias: { host: '127.0.0.1', port: sshHost.sshPort } }),
  );
}

async function writeBuild(dir: string, build: Build): Promise<void> {
  for (const [path, file] of Object.entries(build)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), file.content, { mode: file.executable ? 0o755 : 0o644 });
  }
}

/** Every file below `dir` with its content hash and permission bits. */
async function treeOf(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const path of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, path));
    if (!info.isFile()) continue;
    const hash = createHash('sha256')
      .update(await readFile(join(dir, path)))
      .digest('hex');
    tree[path] = `${hash} ${(info.mode & 0o777).toString(8)}`;
  }
  return tree;
}

async function checkLayout(target: string, builds: Map<string, string>): Promise<void> {
  // A rollback onto a target no deploy has reached yet refuses without creating anything.
  if (!existsSync(join(target, 'releases'))) return;
  const releases = (await readdir(join(target, 'releases'))).filter((name) => !name.startsWith('.'));
  if (existsSync(join(target, 'current'))) {
    const link = await readlink(join(target, 'current'));
    expect(link).toMatch(/^releases\/[^/.][^/]*$/);
    expect(releases).toContain(link.slice('releases/'.length));
  }
  expect(existsSync(join(target, '.deploy/lock'))).toBe(false);
  for (const id of releases) {
    expect(await treeOf(join(target, 'releases', id))).toEqual(await treeOf(builds.get(id)!));
  }
}

test('current always names a complete release, the lock is free, every release is its build', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 6 }), async (steps) => {
      history += 1;
      const target = join(sshHost.baseDir, `history-${history}`);
      const builds = new Map<string, string>();
      const origin: ReleaseOrigin = { commit: '', ref: '', runUrl: '', actor: 'property', runId: `h${history}` };
      let live: string | undefined;
      for (const [index, step] of steps.entries()) {
        const session = await connect();
        try {
          if (step.kind === 'rollback') {
            // A refusal (no older complete release) changes nothing; the check below sees the same live release.
            const result = await rollbackFrontend(
              { target, to: { kind: 'previous' }, markFailed: false, lockTimeoutMs: 10_000, origin },
              [{ name: 'host', session }],
            ).catch(() => undefined);
            if (result) live = result[0].to;
          } else {
            const id = `r${index}`;
            const source = join(work, `h${history}-${id}`);
            await writeBuild(source, step.build);
            builds.set(id, source);
            if (step.kind === 'crash') proxy.cutAfter(step.cutAfterBytes);
            const report = await deployFrontend(
              {
                sourceRoot: source,
                manifest: await scanSource(source),
                target,
                releaseId: id,
                keepReleases: 3,
                nginxReloadCommand: step.kind === 'deploy' && step.fault === 'reload' ? 'exit 1' : 'true',
                smokeUrl: step.kind === 'deploy' && step.fault === 'smoke' ? new URL('http://127.0.0.1:1/') : undefined,
                smokeTimeoutMs: 300,
                lockTimeoutMs: 10_000,
                origin,
              },
              [{ name: 'host', session, reconnect: () => connect() }],
            ).catch((error: unknown) => {
              // A failed deploy carries its report: the checks below read it as they read a success.
              if (error instanceof FrontendDeployFailedError) return error.report;
              throw error;
            });
            proxy.cutAfter(undefined);
            if (report.error === undefined) live = id;
            // Whatever happened, the host serves what the report says (a failed deploy: what was live before).
            expect(report.hosts[0].serving ?? live ?? '').toBe(live ?? '');
          }
        } finally {
          proxy.cutAfter(undefined);
          await session.close();
        }
        if (live !== undefined) expect(await readlink(join(target, 'current'))).toBe(`releases/${live}`);
        await checkLayout(target, builds);
      }
    }),
    { numRuns: 6, endOnFailure: true },
  );
}, 240_000);
