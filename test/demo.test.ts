/**
 * `pnpm demo` is the product's main story: run it end to end, as a person would, with the fast
 * timings, and hold it to what it claims on screen and to leaving nothing running behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './support/workflows.js';

const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const demo = path.join(repoRoot, 'demo', 'run.ts');

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the demo; `onMarker.then` is called once, with what it printed so far, when `marker` appears. */
function runDemo(
  args: string[],
  env: Record<string, string> = {},
  onMarker?: { marker: string; then: (stdout: string, stop: () => void) => void },
): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [demo, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let marked = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (onMarker && !marked && stdout.includes(onMarker.marker)) {
        marked = true;
        onMarker.then(stdout, () => child.kill('SIGINT'));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function processesMentioning(text: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((line) => line.includes(text));
}

/**
 * A temp directory whose path alone is wider than most of a line (as on macOS, or a CI runner's
 * work directory): every path the demo prints lives under it. Readable by all, as nginx's
 * unprivileged workers need.
 */
function longTmpdir(): string {
  const dir = path.join(
    mkdtempSync(path.join(tmpdir(), 'demo-')),
    'a-temp-directory-long-enough-to-push-every-path-it-holds-past-a-hundred-columns-of-a-terminal',
  );
  mkdirSync(dir, { recursive: true });
  chmodSync(path.dirname(dir), 0o755);
  chmodSync(dir, 0o755);
  return dir;
}

describe('pnpm demo', () => {
  it('tells the whole story, every claim holds, --keep serves the restored site until Ctrl-C, and nothing is left running', async () => {
    let servedWhileKept: Promise<string> | undefined;
    const longTmp = longTmpdir();
    const expand = (shown: string | undefined) => shown?.replace(/^\$TMPDIR(?=\/|$)/, longTmp);
    const run = await runDemo(
      ['--keep'],
      { DEMO_FAST: '1', TMPDIR: longTmp },
      {
        marker: 'Ctrl-C stops everything',
        then: (printed, stop) => {
          const url = /site\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(printed)?.[1] ?? 'http://127.0.0.1:1/';
          servedWhileKept = fetch(new URL('healthz.json', url))
            .then((response) => response.text())
            .finally(stop);
        },
      },
    );
    const account = run.stdout;
    // On a failure, the claims that did not hold (the demo prints them last) are the diagnosis.
    const ending = run.code === 0 ? '' : account.split('\n').slice(-40).join('\n');
    expect({ code: run.code, stderr: run.stderr, ending }).toEqual({ code: 0, stderr: '', ending: '' });

    const site = /site\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(account)?.[1];
    // Staging and production each on a frontend host of their own.
    const hostDirs = [...account.matchAll(/nginx serving\s+(\S+)\/base\/site\/current/g)].map((match) =>
      expand(match[1]),
    );
    expect(site).toBeDefined();
    expect(hostDirs).toHaveLength(2);
    expect(new Set(hostDirs).size).toBe(2);

    // Fits a 100-column terminal, however long the temp directory's path: paths under it are
    // shown as $TMPDIR/..., which the shell expands back.
    expect(longTmp.length).toBeGreaterThan(100);
    expect(account.split('\n').filter((line) => line.length > 100)).toEqual([]);
    expect(account).not.toContain(longTmp);
    for (const dir of hostDirs) expect(dir?.startsWith(`${longTmp}/`)).toBe(true);

    // The application's side: its checkout outside this repository, its workflows calling ours.
    const application = expand(/application\s+(\S+) \(a copy of examples\/sophia-app\)/.exec(account)?.[1]);
    expect(application?.startsWith(`${longTmp}/`)).toBe(true);
    expect(application?.startsWith(repoRoot)).toBe(false);

    // The backend image built from the commit, deployed by digest, and the API healthy at its URL.
    expect(account).toMatch(/✓ Backend image +\d+\.\ds/);
    expect(account).toMatch(/→ digest sha256:[0-9a-f]{64}/);
    expect(account).toMatch(
      /✓ the backend of each runs the image this push built, chat-api:a1b2c3d@sha256:[0-9a-f]{8}…/,
    );
    expect(account).toContain('✓ the API answers healthy at its public URL');

    // Act 1: staging, then production, every component by its bundled action, the gates passed.
    const act1 = account.slice(account.indexOf('Act 1'), account.indexOf('Act 2'));
    for (const environment of ['Staging', 'Production']) {
      for (const line of ['Frontend  (', 'Backend  (', 'MCP servers  (', 'Health gate']) {
        expect(act1).toContain(`✓ ${environment} / ${line}`);
      }
    }
    // A first push creates the workloads: `changed` is empty, `applied` names what was created.
    expect(act1).toMatch(
      /✓ Deploy MCP servers to their node +\d+\.\ds\n +→ applied [^]*Deployment\/sophia\/mcp-memory[^]*, changed \[\],\s+node mcp-node/,
    );
    expect(act1).toContain('– Staging / Roll back frontend skipped');
    expect(act1).toContain('workflow success');

    // Production's deploy plan is shown before its reviewers are asked: a first deploy there adds every file.
    const planShown = act1.indexOf("? the plan production's reviewers open (production/deploy-plan):");
    expect(planShown).toBeGreaterThan(-1);
    expect(planShown).toBeLessThan(act1.indexOf('? review: production/frontend'));
    expect(act1).toMatch(/frontend 127\.0\.0\.1:\d+ \(live: nothing\): \+\d+ ~0 -0 files/);
    expect(act1).toContain("✓ production's deploy plan was ready, and shown, before its reviewers were asked");

    // Act 2: staging takes the push; production's reviewers reject each of its deploy jobs.
    const act2 = account.slice(account.indexOf('Act 2'), account.indexOf('Act 3'));
    expect(act2).toContain('✓ Staging / Health gate');
    for (const line of ['Frontend', 'Backend', 'MCP servers']) {
      expect(act2).toContain(
        `✗ Production / ${line}  (production)  0.0s\n` +
          "      The deployment was rejected or didn't satisfy other protection rules.",
      );
    }
    expect(act2.match(/\? review: production\/\S+ waits for production's reviewers: rejected/g)).toHaveLength(3);
    // No gate reports on a production deploy that never happened.
    expect(act2).not.toMatch(/✓ Production \/ Health gate/);

    // Act 3: the gate fails; exactly what the run changed goes back; production never starts.
    const act3 = account.slice(account.indexOf('Act 3'), account.indexOf('Act 4'));
    expect(act3).toMatch(/changed\s+\["sophia\/Deployment\/chat-api"\]/);
    expect(act3).toMatch(/✗ Staging \/ Health gate/);
    expect(act3).toMatch(/⋯ waiting for staging\/health-gate · Wait until every URL is healthy/);
    expect(act3).toContain('✓ Staging / Roll back frontend');
    expect(act3).toContain('✓ Staging / Roll back backend');
    expect(act3).toContain('– Staging / Roll back MCP servers skipped');
    expect(act3).toContain('– Production skipped');
    expect(act3).toContain('workflow failure');

    // Act 4: the manual rollback dispatch switches staging one release further back.
    const act4 = account.slice(account.indexOf('Act 4'));
    expect(act4).toContain('✓ Rollback / Roll back frontend in staging');
    expect(act4).toMatch(/→ from \d+-b2c3d4e, to \d+-a1b2c3d/);

    // Each thing is said once: no job is reported twice, no runner-setup step is listed.
    for (const act of account.split(/^Act \d/m)) {
      const jobLines = act.split('\n').filter((line) => /^ {2}[✓✗–] \S.* \/ /.test(line));
      expect(new Set(jobLines).size).toBe(jobLines.length);
    }
    expect(account).not.toContain('actions/checkout');

    expect(account).toMatch(/✓ staging's nginx serves b2c3d4e again/);
    expect(account).toMatch(/✓ the MCP servers, unchanged by this run, kept their revision/);
    expect(account).toMatch(/The story held: (\d+) of \1 claims checked/);
    expect(account).not.toContain('✗ the');

    // --keep: still up after the story, staging serving the release the on-call rolled back to.
    expect(account).toContain('Still running (--keep); Ctrl-C stops everything');
    expect(JSON.parse(await servedWhileKept!)).toEqual({
      status: 'ok',
      version: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    });

    // Everything it started is stopped, by the demo itself.
    for (const dir of hostDirs) {
      expect(existsSync(dir!)).toBe(false);
      expect(processesMentioning(dir!)).toEqual([]);
    }
    rmSync(path.dirname(longTmp), { recursive: true, force: true });
  }, 180_000);

  it('says what is missing instead of starting half the story', async () => {
    // A PATH with node only: no kubectl.
    const bin = mkdtempSync(path.join(tmpdir(), 'demo-path-'));
    try {
      symlinkSync(process.execPath, path.join(bin, 'node'));
      const run = await runDemo([], { PATH: bin });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('The demo drives the cluster with the real kubectl, which is not on PATH');
      expect(run.stdout).not.toContain('Starting the machines');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses an unknown option with its usage', async () => {
    const run = await runDemo(['--fastest']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown option --fastest.\nUsage: pnpm demo [--keep] [--fast]');
  }, 60_000);
});
