import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeValue } from '@sophia/reporting';

/** What one kubectl run gave back: its output as UTF-8 text and its exit code. */
export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** How a kubectl argument vector reaches a kubectl: here on the runner, or on the server over SSH. */
export interface KubectlTransport {
  /** Where kubectl runs, for log lines and error messages. */
  readonly where: string;
  /**
   * Runs kubectl; resolves with its output and exit code whatever the code. When `signal` is
   * aborted the kubectl process is ended and the call rejects with the signal's reason.
   */
  run(args: string[], stdin?: string, signal?: AbortSignal): Promise<KubectlResult>;
  /**
   * Starts a long-running kubectl (a watch) and hands each line of its stdout to `onLine` as it
   * arrives, until `stop()`, until kubectl exits, or until `signal` is aborted. Left out by
   * transports that cannot stream.
   */
  stream?(args: string[], onLine: (line: string) => void, signal?: AbortSignal): KubectlStream;
  close(): Promise<void>;
}

/** A running kubectl started by `KubectlTransport.stream`. */
export interface KubectlStream {
  /** Ends the kubectl process (nothing happens if it has ended already). */
  stop(): void;
}

/** How the local transport runs the runner's kubectl against a kubeconfig given as text. */
export interface LocalTransportOptions {
  /** The kubeconfig content (a secret: it only ever goes to a 0600 file). */
  kubeconfig: string;
  /** The kubectl binary (`kubectl` input). */
  kubectl?: string;
  /**
   * Parent of the private working directory: the action passes its secrets directory (under
   * RUNNER_TEMP, which only the action reads); the system's temp directory when absent.
   */
  tempDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Milliseconds a kubectl sent SIGTERM by `close()` has to exit before it is sent SIGKILL. */
export const CLOSE_KILL_AFTER_MS = 2000;

/**
 * kubectl on the runner. The kubeconfig lives in a private directory that also holds kubectl's
 * discovery cache, so no run reads another run's (or a developer's) cached API surface, and
 * `close()` removes both.
 */
export class LocalKubectlTransport implements KubectlTransport {
  readonly where: string;
  private readonly dir: string;
  private readonly kubeconfigPath: string;
  private readonly binary: string;
  private readonly env: NodeJS.ProcessEnv;
  /** kubectl processes not yet exited: a stopped watch or an aborted run may still be ending. */
  private readonly children = new Set<ChildProcess>();

  constructor(options: LocalTransportOptions) {
    const parent = options.tempDir ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    this.dir = mkdtempSync(join(parent, 'sophia-kube-'));
    chmodSync(this.dir, 0o700);
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
    writeFileSync(this.kubeconfigPath, options.kubeconfig, { mode: 0o600 });
    this.binary = options.kubectl ?? 'kubectl';
    this.where = `${this.binary} on the runner`;
    this.env = {
      ...(options.env ?? process.env),
      KUBECONFIG: this.kubeconfigPath,
      KUBECACHEDIR: join(this.dir, 'cache'),
      HOME: (options.env ?? process.env).HOME ?? this.dir,
    };
  }

  /** The private 0600 kubeconfig file kubectl reads (inside the 0700 working directory). */
  get kubeconfigFile(): string {
    return this.kubeconfigPath;
  }

  /**
   * Runs the local kubectl with `args`, feeding `stdin`; resolves with its exit code and output whatever the code.
   * Rejects when kubectl cannot be started, and with `signal.reason` once `signal` is aborted
   * (kubectl is sent SIGTERM: Node's `spawn` option `signal`).
   */
  run(args: string[], stdin?: string, signal?: AbortSignal): Promise<KubectlResult> {
    return new Promise((resolvePromise, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // Not @actions/exec (3.0.0): it hands back no child process, and has no AbortSignal, kill or
      // timeout option (its `delay` only bounds the wait for stdio after exit), so a run or watch could
      // not be cancelled or stopped; `input` is one Buffer, not a stream; unless `silent` it echoes
      // `[command]kubectl ...` and the output straight to process.stdout, beside our own log. (Exit codes
      // and stderr would fit: with `ignoreReturnCode` it resolves with the code, and listeners get stderr.)
      const child = this.track(spawn(this.binary, args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'], signal }));
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(signal.reason);
        const binary = describeValue(this.binary);
        reject(
          new Error(
            error.code === 'ENOENT'
              ? `kubectl binary ${binary} was not found (input "kubectl"); install kubectl on the runner or name its path`
              : `kubectl binary ${binary} cannot be run (input "kubectl": ${error.code ?? error.message})`,
          ),
        );
      });
      child.on('close', (code) =>
        resolvePromise({
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          code: code ?? 1,
        }),
      );
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
  }

  stream(args: string[], onLine: (line: string) => void, signal?: AbortSignal): KubectlStream {
    const child = this.track(spawn(this.binary, args, { env: this.env, stdio: ['ignore', 'pipe', 'ignore'], signal }));
    // A watch is an accelerator beside polling: one that cannot start or dies simply stops reporting.
    child.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', onLine);
    return {
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill();
      },
    };
  }

  private track<T extends ChildProcess>(child: T): T {
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    // An aborted run also emits 'error' (AbortError) while kubectl is still ending: only a child
    // that never started (no pid) is gone on an error.
    child.on('error', () => {
      if (child.pid === undefined) this.children.delete(child);
    });
    return child;
  }

  /**
   * Ends every kubectl still running (SIGTERM, then SIGKILL after CLOSE_KILL_AFTER_MS), waits for each
   * to exit, then removes the working
   * directory with the kubeconfig and kubectl's cache. The wait matters: a watch that was just
   * stopped, or a run whose caller stopped waiting on a cancel, may still be writing its discovery
   * cache into the directory, and removing a directory while a file appears in it fails with
   * ENOTEMPTY. Throws only what removing the directory throws (after Node's own retries).
   */
  async close(): Promise<void> {
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolveExit) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
            // kubectl ends on SIGTERM at once; one that does not is killed after CLOSE_KILL_AFTER_MS.
            const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_KILL_AFTER_MS);
            child.once('exit', () => {
              clearTimeout(kill);
              resolveExit();
            });
            child.kill();
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** The part of an SSH session the remote transport needs: run an argument vector, stdin in, exit code back. */
export interface RemoteShell {
  /** The server as the SSH layer names it in every message (its `hostLabel`, `host:port`). */
  readonly host: string;
  /**
   * Runs argv on the server, every word quoted by the SSH layer; any exit code is returned, not
   * thrown. Once `signal` is aborted the remote command is killed and the call rejects with the
   * signal's reason.
   */
  run(purpose: string, argv: string[], stdin?: string, signal?: AbortSignal): Promise<KubectlResult>;
  close(): Promise<void>;
}

/**
 * kubectl on the server. `kubectl-command` (such as `sudo -n k3s kubectl`) is a shell prefix used
 * as written, so it runs as `sh -c '<kubectl-command> "$@"'` with the arguments passed as
 * positional parameters: they are quoted by the SSH layer and never parsed as shell syntax.
 * Manifests travel on stdin, never in the command line.
 */
export class RemoteKubectlTransport implements KubectlTransport {
  readonly where: string;

  constructor(
    private readonly shell: RemoteShell,
    private readonly kubectlCommand: string,
  ) {
    this.where = `"${kubectlCommand}" on ${shell.host}`;
  }

  /**
   * Runs `<kubectl command> args...` on the server through `sh -c`, so a command such as `sudo k3s kubectl` works;
   * resolves with exit code and output whatever the code; rejects with `signal.reason` once `signal` is aborted.
   */
  run(args: string[], stdin?: string, signal?: AbortSignal): Promise<KubectlResult> {
    return this.shell.run(
      `kubectl ${args[0] ?? ''}`.trim(),
      ['sh', '-c', `${this.kubectlCommand} "$@"`, 'kubectl', ...args],
      stdin,
      signal,
    );
  }

  /** Closes the SSH session. */
  close(): Promise<void> {
    return this.shell.close();
  }
}
