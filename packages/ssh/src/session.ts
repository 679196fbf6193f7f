import { silentLog, type Log } from '@sophia/reporting';
import type { Readable, Writable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { RemoteCommandError, SshConnectionLostError } from './errors.js';
import { shellCommand } from './shell-quote.js';

export type CommandInput = Buffer | string | NodeJS.ReadableStream;

export interface RunOptions {
  /** Sent to the command's standard input, then closed. A stream is piped with backpressure. */
  stdin?: CommandInput;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: number[];
  /** Closes the channel and fails if the command has not finished by then. */
  timeoutMs?: number;
}

export interface ExecOptions extends RunOptions {
  /** Receives the command's standard output (not ended by the command; the caller owns it). */
  stdout: NodeJS.WritableStream;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

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

function isReadableStream(input: CommandInput): input is NodeJS.ReadableStream {
  return typeof input === 'object' && !Buffer.isBuffer(input) && typeof (input as Readable).pipe === 'function';
}

/** One authenticated SSH connection to one host; every command goes through `shellCommand`. */
export class SshSession {
  /** Exec channels opened so far: the cost of a deploy in round trips does not grow with its file count. */
  channelsOpened = 0;
  private lost: Error | undefined;
  private readonly slots: ChannelSlots;
  private readonly running = new Set<(error: Error) => void>();

  constructor(
    private readonly client: Client,
    /** `user@host:port`, used in every message about this connection. */
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
    const okExitCodes = options.okExitCodes ?? [0];
    await this.slots.acquire();
    try {
      this.log.debug(`${this.label} ${purpose}: ${command}`);
      const { channel, exit } = await this.openChannel(purpose, command);
      this.channelsOpened += 1;
      const { stderr, stdoutBytes } = await this.drive(purpose, channel, exit, options, stdout);
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
  ): Promise<{ stderr: string; stdoutBytes: number }> {
    return new Promise((resolve, reject) => {
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
      channel.stderr.on('end', done);
      // Decoded as a stream, so a character split across two packets is not mangled.
      channel.stderr.setEncoding('utf8');
      channel.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.length > STDERR_LIMIT) stderr = stderr.slice(-STDERR_LIMIT);
      });

      if (typeof stdout === 'function') {
        channel.on('data', (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          stdout(chunk);
        });
      } else {
        channel.on('data', (chunk: Buffer) => (stdoutBytes += chunk.length));
        stdout.on('error', (error: Error) => finish(error));
        channel.pipe(stdout as Writable, { end: false });
      }

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
