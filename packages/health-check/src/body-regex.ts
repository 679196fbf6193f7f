import { performance } from 'node:perf_hooks';
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';
import { compileJsonCheck, type BodyRegex, type JsonCheck } from './checks.js';
import { RE2JS } from 're2js';
import { jsonCheckFailure } from './json-check-failure.js';

/**
 * Why a match or expected-json evaluation has no answer: `stopped` when its own time (`ms` of
 * MatchBudget) ran out during it, which is the pattern's cost; `deadline` when the gate's timeout
 * (`startMs`) came first, and `unstarted` when no thread to evaluate in had started by then: both
 * are the clock's or the runner's doing, so they say nothing about the check.
 */
export type CheckUnfinished = 'stopped' | 'deadline' | 'unstarted';

/** What matching a body against a regex came to (see CheckUnfinished). */
export type RegexOutcome = 'matched' | 'not-matched' | CheckUnfinished;

/**
 * The time one match or expected-json evaluation may take, in milliseconds: `ms` for the evaluation
 * itself, counted from when a started thread is given it; `startMs`, counted from the call, for the
 * whole, waiting on a thread that is still starting up included (the gate passes what is left of its
 * timeout). Node starts a worker in about 0.1 s, much longer on a loaded runner, and that start-up
 * is not the expression's cost, so it is not counted against `ms`.
 */
export interface MatchBudget {
  /** The check's own limit; Infinity when it has none but the gate's deadline (`startMs`). */
  ms: number;
  startMs: number;
}

/** What a thread posts once it can take questions (see serveBodyRegexMatches). */
interface ThreadReady {
  ready: true;
}

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
 * one question at a time. Posts { ready: true } first, once it listens, so that the time a thread
 * takes to start is told apart from the time a match takes.
 */
export function serveBodyRegexMatches(): void {
  if (!parentPort) throw new Error('serveBodyRegexMatches() runs in a worker thread only');
  const port = parentPort;
  const compiled = new Map<string, RE2JS>();
  port.on('message', (question: WorkerQuestion) => {
    try {
      if ('json' in question) {
        const failure = jsonCheckFailure(question.body, compileJsonCheck(question.json));
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
  port.postMessage({ ready: true } satisfies ThreadReady);
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
 * outlasts its time limit is ended by terminating its thread, and a fresh thread is started at once
 * for the next round. Each match in flight has a thread of its own (URLs are probed in parallel), and
 * an idle thread is kept for the next round. A thread's start-up is waited for apart from the match's
 * time (see MatchBudget).
 * Worker threads need no native code. The thread's entry is given (see RegexThread) rather than a file
 * beside this one, because ncc copies such a file into the bundle as it is, without its imports.
 */
export class BodyRegexMatcher {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  /** Per thread: settles once it can take questions (undefined), or with why it failed to start. */
  private readonly started = new WeakMap<Worker, Promise<Error | undefined>>();
  private closed = false;

  constructor(private readonly thread: RegexThread) {}

  /**
   * Whether `regex` matches `body`; `stopped` when the match outlasted `budget.ms` milliseconds,
   * `deadline` when `budget.startMs` came first, `unstarted` when no thread had started within
   * `budget.startMs` (see MatchBudget and CheckUnfinished). A match of at
   * most INLINE_MATCH_STEPS is made at once on this thread. Rejects when the thread fails, e.g. on a
   * pattern RE2 cannot compile, which input validation rules out.
   */
  match(regex: BodyRegex, body: string, budget: MatchBudget): Promise<RegexOutcome> {
    if (regex.programSize * body.length <= INLINE_MATCH_STEPS) {
      return Promise.resolve(regex.test(body) ? 'matched' : 'not-matched');
    }
    return this.ask({ source: regex.source, flags: regex.flags, body }, budget).then((answer) =>
      typeof answer === 'string' ? answer : answer.matched ? 'matched' : 'not-matched',
    );
  }

  /**
   * Why `body` fails the expected-json `check` (see jsonCheckFailure), undefined when it passes;
   * `stopped`, `deadline` or `unstarted` as for match(). Always on a thread: a JMESPath expression's cost cannot
   * be told from its text (nested `let` and array projections grow exponentially), and on the main
   * thread no deadline or signal could stop it.
   */
  checkJson(check: JsonCheck, body: string, budget: MatchBudget): Promise<string | undefined | CheckUnfinished> {
    return this.ask({ json: check.text, body }, budget).then((answer) =>
      typeof answer === 'string' ? answer : answer.failure,
    );
  }

  private async ask(question: WorkerQuestion, budget: MatchBudget): Promise<WorkerAnswer | CheckUnfinished> {
    const calledAt = performance.now();
    const worker = this.idle.pop() ?? this.start();
    this.busy.add(worker);
    let timer: NodeJS.Timeout | undefined;
    const start = await Promise.race([
      this.started.get(worker)!.then((failure) => failure ?? 'ready'),
      new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budget.startMs);
      }),
    ]);
    clearTimeout(timer);
    if (start instanceof Error) {
      this.busy.delete(worker);
      void worker.terminate();
      throw start;
    }
    if (start === 'late') {
      // Still starting: kept for the next round, which then need not wait for it from the beginning.
      this.busy.delete(worker);
      this.idle.push(worker);
      return 'unstarted';
    }
    const deadlineMs = budget.startMs - (performance.now() - calledAt);
    // A check cut by the gate's deadline, not by its own limit, has not shown its cost.
    const ranOut = budget.ms < deadlineMs ? 'stopped' : 'deadline';
    const limitMs = Math.max(1, Math.min(budget.ms, deadlineMs));
    return new Promise<WorkerAnswer | CheckUnfinished>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        this.busy.delete(worker);
      };
      const onMessage = (answer: WorkerAnswer | ThreadReady): void => {
        if ('ready' in answer) return;
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
      timer = setTimeout(() => {
        finish();
        // The thread may be deep in a match that would run on for seconds: end it, not just ignore
        // it, and start another now, so that the next round does not wait for a thread to start.
        void worker.terminate();
        this.warm();
        resolve(ranOut);
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
    this.started.set(
      worker,
      new Promise<Error | undefined>((resolve) => {
        const settle = (failure?: Error): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          resolve(failure);
        };
        const onMessage = (message: Partial<ThreadReady>): void => {
          if (message?.ready) settle();
        };
        const onError = (error: Error): void => settle(error);
        const onExit = (code: number): void =>
          settle(new Error(`the matching thread exited with code ${code} as it started`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
      }),
    );
    if (this.closed) void worker.terminate();
    return worker;
  }

  /**
   * Ends every thread (matches in flight have all settled once the gate has decided). Does not wait for
   * them to exit: they are unreferenced, and a thread still starting up may take a while to go.
   */
  close(): void {
    this.closed = true;
    for (const worker of [...this.idle.splice(0), ...this.busy]) void worker.terminate();
    this.busy.clear();
  }
}
