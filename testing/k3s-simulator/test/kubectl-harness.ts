/**
 * Runs the real kubectl binaries against a simulator: plain `kubectl` and, where they exist
 * beside the target of the kubectl symlink, the oldest and newest versioned binaries. Each run
 * set has its own HOME and discovery cache, and the cluster reports the matching version (plain
 * kubectl may be a dispatcher choosing its binary from /version).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startCluster, type Cluster, type ClusterOptions } from '../src/index.js';

export interface KubectlFlavour {
  label: string;
  binary: string;
  /** The version the simulator reports to this binary. */
  clusterVersion: string;
}

function plainKubectl(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function kubectlFlavours(): KubectlFlavour[] {
  const plain = plainKubectl();
  if (!plain) throw new Error('kubectl is not on PATH: these tests drive the real kubectl binary');
  const flavours: KubectlFlavour[] = [{ label: 'kubectl', binary: plain, clusterVersion: 'v1.32.3+k3s1' }];
  const directory = dirname(realpathSync(plain));
  for (const minor of ['27', '33']) {
    const binary = join(directory, `kubectl.1.${minor}`);
    if (existsSync(binary))
      flavours.push({ label: `kubectl.1.${minor}`, binary, clusterVersion: `v1.${minor}.1+k3s1` });
  }
  return flavours;
}

export interface SessionKubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlSession {
  cluster: Cluster;
  flavour: KubectlFlavour;
  kubeconfig: string;
  run(args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<SessionKubectlResult>;
  /** Runs and fails the test with kubectl's output unless it exits 0. */
  ok(args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function openSession(flavour: KubectlFlavour, options: ClusterOptions = {}): Promise<KubectlSession> {
  const cluster = await startCluster({ version: flavour.clusterVersion, ...options });
  const home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  const kubeconfig = cluster.writeKubeconfig(join(home, '.kube'), { fileName: 'config' });
  const cacheDir = join(home, 'cache');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: cacheDir };
  const run = (
    args: string[],
    runOptions: { stdin?: string; timeoutMs?: number } = {},
  ): Promise<SessionKubectlResult> =>
    new Promise((resolve) => {
      const child = execFile(
        flavour.binary,
        [`--cache-dir=${cacheDir}`, ...args],
        { env, timeout: runOptions.timeoutMs ?? 30000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      child.stdin?.end(runOptions.stdin ?? '');
    });
  return {
    cluster,
    flavour,
    kubeconfig,
    run,
    async ok(args, runOptions) {
      const result = await run(args, runOptions);
      if (result.code !== 0) {
        throw new Error(
          `${flavour.label} ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      }
      return result.stdout;
    },
    async close() {
      await cluster.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function fixture(name: string): string {
  return join(dirname(new URL(import.meta.url).pathname), 'fixtures', name);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
