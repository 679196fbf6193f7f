/** The standalone CLI: starts, prints where it listens, writes a kubeconfig kubectl can use, stops on SIGTERM. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { kubectlFlavours, type SessionKubectlResult } from './kubectl-harness.js';

const here = dirname(new URL(import.meta.url).pathname);
const cli = resolve(here, '../src/cli.ts');
const repoRoot = resolve(here, '../../..');

function kubectl(binary: string, kubeconfig: string, home: string, args: string[]): Promise<SessionKubectlResult> {
  return new Promise((done) => {
    execFile(
      binary,
      [`--cache-dir=${join(home, 'cache')}`, ...args],
      { env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig } },
      (error, stdout, stderr) =>
        done({ code: error ? Number(error.code) || 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('cluster simulator CLI', () => {
  let home: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'simulator-cli-'));
  });
  afterEach(() => {
    if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  test('serves a cluster kubectl can use with a client certificate, and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        '--json',
        '--timings',
        'test',
        '--auth',
        'certificate',
        '--kubeconfig-dir',
        home,
        '--node',
        'k3s-server=192.222.58.232:control-plane',
        '--node',
        'gpu-1=10.9.0.4',
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = await new Promise<{ url: string; httpsUrl: string; kubeconfig: string; pid: number }>(
      (resolveStart, rejectStart) => {
        let output = '';
        let errors = '';
        child?.stdout?.on('data', (chunk) => {
          output += chunk;
          if (output.includes('\n')) resolveStart(JSON.parse(output.split('\n')[0]));
        });
        child?.stderr?.on('data', (chunk) => (errors += chunk));
        child?.on('exit', (code) => rejectStart(new Error(`CLI exited ${code}: ${errors}`)));
      },
    );
    expect(started.httpsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(started.kubeconfig).toBe(join(home, 'kubeconfig'));
    const [flavour] = kubectlFlavours();
    const nodes = await kubectl(flavour.binary, started.kubeconfig, home, ['get', 'nodes', '-o', 'wide']);
    expect(nodes.stderr).toBe('');
    expect(nodes.stdout).toMatch(/gpu-1\s+Ready\s+<none>/);
    expect(nodes.stdout).toMatch(/k3s-server\s+Ready\s+control-plane/);
    const exited = new Promise<number | null>((resolveExit) => child?.on('exit', (code) => resolveExit(code)));
    process.kill(started.pid, 'SIGTERM');
    expect(await exited).toBe(0);
  });

  test('rejects bad options naming them', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', cli, '--pod-start-ms', 'soon'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr?.on('data', (chunk) => (errors += chunk));
    const code = await new Promise<number | null>((resolveExit) =>
      child?.on('exit', (exitCode) => resolveExit(exitCode)),
    );
    expect(code).toBe(2);
    expect(errors).toContain('--pod-start-ms must be a non-negative integer, got "soon"');
  });
});
