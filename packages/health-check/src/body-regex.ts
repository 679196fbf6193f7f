import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { jsonCheck, type BodyRegex, type JsonCheck } from '@sophia/inputs';
import { RE2JS } from 're2js';
import { jsonCheckFailure } from './json-check-failure.js';

/** What matching a body against a regex came to: `stopped` when its time ran out first. */
export type RegexOutcome = 'matched' | 'not-matched' | 'stopped';

interface WorkerAnswer {
  matched?: boolean;
  /** For an expected-json question: why the body fails the check, absent when it passes. */
  failure?: string;
  error?: string;
}

/** A regex to match against a body, or (with `json`) an expected-json expression to evaluate on it. */
type WorkerQuestion = { source: string; flags: number; body: string } | { json: string; body: string };

/**
 * How to start a thread that runs serveBodyRegexMatches(): `new Worker(filename, options)`. An action
 * names its own bundle (whose entry serves matches when it is not the main thread), so the matching
 * code ships inside the one bundle; tests name a TypeScript entry run through a loader.
 */
export interface RegexThread {
  filename: string | URL;
  options?: WorkerOptions;
}

/**
 * The worker side: answers { source, flags, body } with { matched }, and { json, body } (an
 * expected-json expression) with { failure } as jsonCheckFailure gives it; { error } when it cannot;
 * one question at a time.
 */
export function serveBodyRegexMatches(): void {
  if (!parentPort) throw new Error('serveBodyRegexMatches() runs in a worker thread only');
  const port = parentPort;
  const compiled = new Map<string, RE2JS>();
  port.on('message', (question: WorkerQuestion) => {
    try {
      if ('json' in question) {
        const failure = jsonCheckFailure(question.body, jsonCheck('expected-json', question.json));
        port.postMessage({ failure } satisfies WorkerAnswer);
        return;
      }
      const { source, flags, body } = question;
      const key = `${flags}/${source}`;
      let regex = compiled.get(key);
      if (!regex) {
        regex = RE2JS.compile(source, flags);
        compiled.set(key, regex);
      }
      port.postMessage({ matched: regex.matcher(body).find() } satisfies WorkerAnswer);
    } catch (error) {
      port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies WorkerAnswer);
    }
  });
}

/**
 * The largest match, in program instructions times body characters, made on the calling thread: about
 * 20 ms at the ~70 ns per step RE2JS takes here, so a small pattern on a small body needs no thread.
 */
export const INLINE_MATCH_STEPS = 250_000;

/**
 * Matches expected-body regexes in worker threads, so the gate's deadline can stop a match. RE2's
 * linear time is linear in the body *and* the pattern: `/[^b]{500}[^a]/` against a 1 MiB body takes
 * about half a minute of CPU, and on the main thread no timer could fire until it ended. A match that
 * outlasts its time limit is ended by terminating its thread. Each match in flight has a thread of its
 * own (URLs are probed in parallel), and an idle thread is kept for the next round.
 * Worker threads need no native code. The thread's entry is given (see RegexThread) rather than a file
 * beside this one, because ncc copies such a file into the bundle as it is, without its imports.
 */
export class BodyRegexMatcher {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();

  constructor(private readonly thread: RegexThread) {}

  /**
   * Whether `regex` matches `body`, or `stopped` when no answer came within `limitMs` milliseconds (a
   * thread's start-up included). A match of at most INLINE_MATCH_STEPS is made at once on this thread. Rejects when the thread fails, e.g. on a pattern RE2 cannot compile,
   * which input validation rules out.
   */
  match(regex: BodyRegex, body: string, limitMs: number): Promise<RegexOutcome> {
    if (regex.programSize * body.length <= INLINE_MATCH_STEPS) {
      return Promise.resolve(regex.test(body) ? 'matched' : 'not-matched');
    }
    return this.ask({ source: regex.source, flags: regex.flags, body }, limitMs).then((answer) =>
      answer === 'stopped' ? answer : answer.matched ? 'matched' : 'not-matched',
    );
  }

  /**
   * Why `body` fails the expected-json `check` (see jsonCheckFailure), undefined when it passes, or
   * `stopped` when no answer came within `limitMs` milliseconds. Always on a thread: a JMESPath
   * expression's cost cannot be told from its text (nested `let` and array projections grow
   * exponentially), and on the main thread no deadline or signal could stop it.
   */
  checkJson(check: JsonCheck, body: string, limitMs: number): Promise<string | undefined | 'stopped'> {
    return this.ask({ json: check.text, body }, limitMs).then((answer) =>
      answer === 'stopped' ? answer : answer.failure,
    );
  }

  private ask(question: WorkerQuestion, limitMs: number): Promise<WorkerAnswer | 'stopped'> {
    const worker = this.idle.pop() ?? this.start();
    this.busy.add(worker);
    return new Promise<WorkerAnswer | 'stopped'>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        this.busy.delete(worker);
      };
      const onMessage = (answer: WorkerAnswer): void => {
        finish();
        this.idle.push(worker);
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer);
      };
      const onError = (error: Error): void => {
        finish();
        void worker.terminate();
        reject(error);
      };
      const timer = setTimeout(() => {
        finish();
        // The thread may be deep in a match that would run on for seconds: end it, not just ignore it.
        void worker.terminate();
        resolve('stopped');
      }, limitMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(question);
    });
  }

  /**
   * Starts a thread ahead of the first match that needs one, so its start-up overlaps the first round's
   * requests: the action's thread takes about 0.1 s to start.
   */
  warm(): void {
    if (this.idle.length === 0 && this.busy.size === 0) this.idle.push(this.start());
  }

  private start(): Worker {
    const worker = new Worker(this.thread.filename, this.thread.options);
    // An idle thread must not keep the action's process alive should the gate end without close().
    worker.unref();
    return worker;
  }

  /**
   * Ends every thread (matches in flight have all settled once the gate has decided). Does not wait for
   * them to exit: they are unreferenced, and a thread still starting up may take a while to go.
   */
  close(): void {
    for (const worker of [...this.idle.splice(0), ...this.busy]) void worker.terminate();
    this.busy.clear();
  }
}
