import { randomBytes } from 'node:crypto';
import { silentLog, type Log } from '@sophia/reporting';
import type { Readable, Writable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { RemoteCommandError, SshConnectionLostError } from './errors.js';
import { StringDecoder } from 'node:string_decoder';
import { shellCommand } from './shell-quote.js';

/** What a command reads on stdin: bytes, text, or a stream piped with backpressure. */
export type CommandInput = Buffer | string | NodeJS.ReadableStream;

/** How `SshSession.run` runs one command; `timeoutMs` is milliseconds. */
export interface RunOptions {
  /** Sent to the command's standard input, then closed. A stream is piped with backpressure. */
  stdin?: CommandInput;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: number[];
  /** Closes the channel and fails if the command has not finished by then. */
  timeoutMs?: number;
  /** Once aborted, the command is killed (the SSH `signal` request, KILL) and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** `run`'s options for a command whose standard output is streamed (an archive) rather than collected. */
export interface ExecOptions extends RunOptions {
  /** Receives the command's standard output (not ended by the command; the caller owns it). */
  stdout: NodeJS.WritableStream;
}

/** A finished command: its whole output, decoded as UTF-8, and exit code. */
export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** A finished streamed command: stderr, exit code, and how many bytes of stdout it wrote. */
export interface ExecResult {
  stderr: string;
  code: number;
  stdoutBytes: number;
}

interface ExitStatus {
  code: number | null;
  signal?: string;
}

type StdoutSink = ((chunk: Buffer) => void) | NodeJS.WritableStream;

const DEFAULT_MAX_CONCURRENT_COMMANDS = 8;
// Enough to hold any tool's complaint; a runaway command cannot exhaust memory through its stderr.
const STDERR_LIMIT = 256 * 1024;

/** Limits how many channels are open at once, queueing the rest in order. */
class ChannelSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/**
 * Drops what arrives before `marker` on one of a command's streams, and the marker itself. The login
 * shell runs the user's rc files (`.bashrc`, `BASH_ENV`, ...) before our command, and whatever they
 * print lands on the same channel; the command line prints a fresh random marker first, so nothing an
 * rc file prints (it cannot know the marker) is ever taken for the command's output.
 */
export class OutputAfterMarker {
  private pending: Buffer | undefined = Buffer.alloc(0);
  private readonly marker: Buffer;

  constructor(marker: string) {
    this.marker = Buffer.from(marker);
  }

  /** True once the marker went by: the command itself started. */
  get started(): boolean {
    return this.pending === undefined;
  }

  /** What of `chunk` belongs to the command (empty while the marker has not arrived). */
  push(chunk: Buffer): Buffer {
    if (this.pending === undefined) return chunk;
    const seen = Buffer.concat([this.pending, chunk]);
    const at = seen.indexOf(this.marker);
    if (at < 0) {
      // Keep only what could still be the marker's beginning: a login banner can be long.
      this.pending = seen.subarray(Math.max(0, seen.length - this.marker.length + 1));
      this.discarded += seen.length - this.pending.length;
      return Buffer.alloc(0);
    }
    this.discarded += at;
    this.pending = undefined;
    return seen.subarray(at + this.marker.length);
  }

  /** Bytes dropped before the marker (what the login shell printed). */
  discarded = 0;
}

/**
 * The command line sent to sshd: the marker on both streams, then the command itself. The marker is
 * printed from two halves, so the command line never holds it whole: a login shell that echoes the
 * command it runs (`echo "$BASH_EXECUTION_STRING"` in an rc file, `set -v`) cannot print it early.
 */
export function markedCommand(command: string, marker: string): string {
  // The marker is made of [a-z0-9-] only: words every POSIX shell reads as themselves.
  const half = Math.ceil(marker.length / 2);
  const printMarker = `printf %s%s ${marker.slice(0, half)} ${marker.slice(half)}`;
  return `${printMarker} && ${printMarker} >&2 && ${command}`;
}

function isReadableStream(input: CommandInput): input is NodeJS.ReadableStream {
  return typeof input === 'object' && !Buffer.isBuffer(input) && typeof (input as Readable).pipe === 'function';
}

/** One authenticated SSH connection to one host; every command goes through `shellCommand`. */
export class SshSession {
  /** Exec channels asked for so far: the cost of a deploy in round trips does not grow with its file count. */
  channelsOpened = 0;
  private lost: Error | undefined;
  private readonly slots: ChannelSlots;
  private readonly running = new Set<(error: Error) => void>();

  constructor(
    private readonly client: Client,
    /** `hostLabel` of the target, used in every message about this connection. */
    readonly label: string,
    maxConcurrentCommands = DEFAULT_MAX_CONCURRENT_COMMANDS,
    /** Every command is logged here at debug level, with its purpose. */
    private readonly log: Log = silentLog,
  ) {
    this.slots = new ChannelSlots(maxConcurrentCommands);
    client.on('error', (error: Error) => this.fail(error));
    client.on('close', () => this.fail(new Error('the connection was closed')));
  }

  /** Runs a command and collects its output; throws RemoteCommandError on an exit code not in okExitCodes. */
  async run(purpose: string, argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const chunks: Buffer[] = [];
    const result = await this.execute(purpose, argv, options, (chunk) => chunks.push(chunk));
    return { stdout: Buffer.concat(chunks).toString('utf8'), stderr: result.stderr, code: result.code };
  }

  /** Like run, but streams standard output into a writable (with backpressure) instead of collecting it. */
  async exec(purpose: string, argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
    return this.execute(purpose, argv, options, options.stdout);
  }

  /**
   * Runs a fixed script with `sh -c script sh args...`: the script is code we wrote, the arguments arrive as
   * "$1" "$2" ... and are never parsed as shell syntax.
   */
  async runScript(
    purpose: string,
    script: string,
    args: readonly string[] = [],
    options: RunOptions = {},
  ): Promise<RunResult> {
    return this.run(purpose, ['sh', '-c', script, 'sh', ...args], options);
  }

  /**
   * Ends the connection, destroying the socket if the server has not closed within 2 seconds; commands still running
   * fail with SshConnectionLostError. Closing twice does nothing.
   */
  async close(): Promise<void> {
    if (this.lost) return;
    const closed = new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.lost = new Error('the session was closed');
    this.client.end();
    const timer = setTimeout(() => this.client.destroy(), 2000);
    await closed;
    clearTimeout(timer);
  }

  private fail(error: Error): void {
    this.lost ??= error;
    for (const abort of [...this.running]) abort(error);
  }

  private lostError(purpose: string, error: Error): SshConnectionLostError {
    return new SshConnectionLostError(
      this.label,
      purpose,
      `${purpose} failed on ${this.label}: connection lost (${error.message})`,
    );
  }

  /**
   * Opens an exec channel. The exit status is captured inside the callback: ssh2 can emit it in the same tick
   * (the reply and the exit arrive in one packet batch), before any later listener could be attached.
   */
  private async openChannel(purpose: string, command: string): Promise<{ channel: ClientChannel; exit: ExitStatus }> {
    if (this.lost) throw this.lostError(purpose, this.lost);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error) {
          const detail = `${purpose} failed on ${this.label}: the server refused a new channel (${error.message})`;
          return reject(
            this.lost ? this.lostError(purpose, this.lost) : new SshConnectionLostError(this.label, purpose, detail),
          );
        }
        const exit: ExitStatus = { code: null };
        channel.on('exit', (code: number | null, signal?: string) => {
          exit.code = code;
          exit.signal = signal ?? undefined;
        });
        resolve({ channel, exit });
      });
    });
  }

  private async execute(
    purpose: string,
    argv: readonly string[],
    options: RunOptions,
    stdout: StdoutSink,
  ): Promise<ExecResult> {
    const command = shellCommand(argv);
    const marker = `sophia-output-${randomBytes(12).toString('hex')}`;
    const okExitCodes = options.okExitCodes ?? [0];
    options.signal?.throwIfAborted();
    await this.slots.acquire();
    try {
      options.signal?.throwIfAborted();
      this.log.debug(`${this.label} ${purpose}: ${command}`);
      // Counted when asked for: a channel whose opening is still under way when a report is made counts too.
      this.channelsOpened += 1;
      const { channel, exit } = await this.openChannel(purpose, markedCommand(command, marker));
      const { stderr, stdoutBytes } = await this.drive(purpose, channel, exit, options, stdout, marker);
      const { code, signal } = exit;
      if (code === null || !okExitCodes.includes(code)) {
        throw new RemoteCommandError(this.label, purpose, code, signal, stderr);
      }
      return { code, stderr, stdoutBytes };
    } finally {
      this.slots.release();
    }
  }

  /** Feeds stdin, drains stdout and stderr, and settles once the channel is closed and both streams ended. */
  private drive(
    purpose: string,
    channel: ClientChannel,
    exit: ExitStatus,
    options: RunOptions,
    stdout: StdoutSink,
    marker: string,
  ): Promise<{ stderr: string; stdoutBytes: number }> {
    return new Promise((resolve, reject) => {
      const stdoutFilter = new OutputAfterMarker(marker);
      const stderrFilter = new OutputAfterMarker(marker);
      const stderrDecoder = new StringDecoder('utf8');
      let preamble = '';
      let stderr = '';
      let stdoutBytes = 0;
      let pending = 3; // channel close, stdout end, stderr end
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let channelError: Error | undefined;
      const input = options.stdin;

      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', cancel);
        this.running.delete(abort);
        if (input !== undefined && isReadableStream(input)) {
          input.unpipe(channel);
          // A producer (e.g. tar) would otherwise block forever on a pipe nobody reads any more.
          if (!(input as Readable).readableEnded) (input as Readable).destroy();
        }
        if (!error && exit.code === null && exit.signal === undefined) {
          error = this.lostError(
            purpose,
            this.lost ?? channelError ?? new Error('the channel closed without an exit status'),
          );
        }
        if (error) {
          channel.destroy();
          reject(error);
        } else {
          resolve({ stderr, stdoutBytes });
        }
      };
      const abort = (error: Error) => finish(this.lostError(purpose, error));
      const done = () => {
        pending -= 1;
        if (pending === 0) finish();
      };
      this.running.add(abort);

      channel.on('close', done);
      // A write racing the command's own exit (it stopped reading its input) is not the failure to report:
      // the exit status and stderr that follow are.
      channel.on('error', (error: Error) => (channelError ??= error));
      channel.on('end', done);
      channel.stderr.on('end', () => {
        if (!stderrFilter.started) stderr = preamble;
        done();
      });
      channel.stderr.on('data', (chunk: Buffer) => {
        const own = stderrFilter.push(chunk);
        // Before the marker: what the login shell said. Kept only to explain a command that never started.
        if (!stderrFilter.started && preamble.length < STDERR_LIMIT) preamble += chunk.toString('utf8');
        // Decoded as a stream, so a character split across two packets is not mangled.
        stderr += stderrDecoder.write(own);
        if (stderr.length > STDERR_LIMIT) stderr = stderr.slice(-STDERR_LIMIT);
      });

      const sink = typeof stdout === 'function' ? undefined : (stdout as Writable);
      sink?.on('error', (error: Error) => finish(error));
      channel.on('data', (chunk: Buffer) => {
        const own = stdoutFilter.push(chunk);
        if (own.length === 0) return;
        stdoutBytes += own.length;
        if (typeof stdout === 'function') {
          stdout(own);
        } else if (sink && !sink.write(own)) {
          // Backpressure as pipe() would: the channel waits until the sink drains.
          channel.pause();
          sink.once('drain', () => channel.resume());
        }
      });

      // Declared with `function` so that `finish`, above, can remove it before this line runs.
      function cancel(): void {
        channel.signal('KILL');
        finish(options.signal!.reason as Error);
      }
      if (options.signal?.aborted) cancel();
      else options.signal?.addEventListener('abort', cancel, { once: true });

      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          channel.signal('KILL');
          finish(
            new RemoteCommandError(
              this.label,
              purpose,
              null,
              undefined,
              stderr,
              `timed out after ${options.timeoutMs} ms`,
            ),
          );
        }, options.timeoutMs);
      }

      if (input === undefined) {
        channel.end();
      } else if (isReadableStream(input)) {
        input.once('error', (error: Error) =>
          finish(new Error(`${purpose} on ${this.label}: reading its input failed: ${error.message}`)),
        );
        input.pipe(channel);
      } else {
        channel.end(input);
      }
    });
  }
}
