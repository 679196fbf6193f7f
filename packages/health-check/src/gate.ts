import { performance } from 'node:perf_hooks';
import { describeValue, formatDuration } from '@sophia/reporting';
import type { BodyMatcher, JsonCheck, StatusRange } from './checks.js';
import { probeUrl, ProbeTransport, type HttpResult, type ProbeAgents, type RedirectPolicy } from './http-probe.js';
import { BodyRegexMatcher, type RegexThread } from './body-regex.js';
import {
  bodyMismatch,
  unfinishedCheck,
  describeStatusRanges,
  statusExpected,
  type MatchLimit,
} from './expectations.js';
import { excerpt } from './json-check-failure.js';
import { Redactor } from './redaction.js';
import {
  UrlTally,
  type GateOutcome,
  type HealthReport,
  type ProbeResult,
  type RoundResult,
  type UrlReport,
} from './report.js';

/**
 * What `runHealthCheck` probes and when it decides. Every probe round asks each URL once; the
 * verdict is healthy after `successThreshold` passing rounds in a row, unhealthy after
 * `failureThreshold` failed rounds once one has passed, or at `timeoutMs`. All durations are milliseconds.
 */
export interface HealthCheckSettings {
  urls: readonly URL[];
  expectedStatus: readonly StatusRange[];
  expectedBody?: BodyMatcher;
  /** A JMESPath expression the JSON body must make true. */
  expectedJson?: JsonCheck;
  /** The HTTP method of every probe (`GET` by default in the action). */
  method: string;
  /** Sent with every probe to the URL's own origin; values may be secrets and are never reported. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Milliseconds between the starts of two rounds. */
  intervalMs: number;
  /** Milliseconds one probe may take before it counts as a probe error. */
  requestTimeoutMs: number;
  /** Milliseconds from the start until the check gives up (unhealthy, outcome `timeout`). */
  timeoutMs: number;
  /** Milliseconds to wait before the first round. */
  initialDelayMs: number;
  /** Passing rounds in a row that make the service healthy. */
  successThreshold: number;
  /** Failed rounds, once one round has passed, that make it unhealthy (flapping). */
  failureThreshold: number;
  /** Accept any TLS certificate (input `insecure-tls`). */
  insecureTls: boolean;
  /** Redirects followed per probe at most, when followRedirects allows them (default 10). */
  maxRedirects?: number;
  /** Default `none`: see RedirectPolicy. */
  followRedirects?: RedirectPolicy;
  /**
   * How to start the thread that matches an expected-body regex or evaluates expected-json, so the
   * deadline can stop it (see BodyRegexMatcher). Required when expectedBody is a regex or expectedJson is set.
   */
  regexThread?: RegexThread;
  /** How probes connect; default direct. The action passes proxy-aware agents. */
  agents?: ProbeAgents;
  /** Called after every round, e.g. to log it. */
  onRound?: (round: RoundResult) => void;
  /**
   * When aborted (the run was cancelled), the check stops at once, drops the round in flight, and
   * returns the report of the rounds it completed with outcome `cancelled`.
   */
  signal?: AbortSignal;
}

/**
 * The most redirects a probe follows when the caller sets no `maxRedirects` (the health-gate action never does): the
 * cap Go's net/http client uses, far above any health URL's legitimate chain, so only a loop reaches it.
 */
export const DEFAULT_MAX_REDIRECTS = 10;

/**
 * The gate's bookkeeping, Argo-Rollouts style. Before the first passing round every failure is the
 * service starting, so only the timeout ends the wait. After it, failed rounds count towards
 * failure-threshold (not necessarily in a row: a flapping service alternates), and any failed
 * round restarts the count of consecutive passes.
 */
export class GateState {
  private consecutivePasses = 0;
  private failuresSinceFirstPass = 0;
  private streakStartedAt: number | null = null;
  passedRounds = 0;
  failedRounds = 0;
  firstPassAt: number | null = null;

  constructor(
    private readonly successThreshold: number,
    private readonly failureThreshold: number,
  ) {}

  /**
   * Counts one finished round.
   * @param atSeconds seconds since the gate started.
   * @returns `healthy` once success-threshold rounds passed in a row, `flapping` once failure-threshold rounds failed
   * after the first pass, else undefined (keep probing).
   */
  record(passed: boolean, atSeconds: number): 'healthy' | 'flapping' | undefined {
    if (passed) {
      this.passedRounds += 1;
      this.firstPassAt ??= atSeconds;
      if (this.consecutivePasses === 0) this.streakStartedAt = atSeconds;
      this.consecutivePasses += 1;
      return this.consecutivePasses >= this.successThreshold ? 'healthy' : undefined;
    }
    this.failedRounds += 1;
    this.consecutivePasses = 0;
    this.streakStartedAt = null;
    if (this.firstPassAt === null) return undefined;
    this.failuresSinceFirstPass += 1;
    return this.failuresSinceFirstPass >= this.failureThreshold ? 'flapping' : undefined;
  }

  /**
   * Seconds since the gate started at which the current run of passing rounds began; null while the latest round failed
   * or none passed.
   */
  get healthySince(): number | null {
    return this.streakStartedAt;
  }

  /** Failed rounds counted after the first pass (in a row or not): what failure-threshold is compared with. */
  get failuresAfterFirstPass(): number {
    return this.failuresSinceFirstPass;
  }
}

/** What judging one answer needs besides the settings. */
interface Judge {
  redactor: Redactor;
  regexes: BodyRegexMatcher;
  /**
   * The time left to match the body: what is left of the probe's own limit, named for messages; and
   * to wait for a matching thread to start, what is left of the gate's timeout.
   */
  matchLimit: MatchLimit;
  /** The probe's limit was cut to what is left of the gate's timeout: running out of it says nothing of the URL. */
  cutByTimeout: boolean;
}

async function judge(
  url: URL,
  result: HttpResult,
  latencyMs: number,
  settings: HealthCheckSettings,
  { redactor, regexes, matchLimit, cutByTimeout }: Judge,
): Promise<ProbeResult> {
  const redirects = result.redirects.map((hop) => ({
    ...hop,
    from: redactor.url(hop.from),
    to: redactor.url(hop.to),
  }));
  const base = { url: redactor.url(url.href), finalUrl: redactor.url(result.finalUrl), latencyMs, redirects };
  if (result.kind === 'error') {
    const detail = redactor.redact(result.error.message);
    const inconclusive = cutByTimeout && result.error.kind === 'timeout';
    return {
      ...base,
      verdict: 'error',
      detail,
      errorKind: result.error.kind,
      permanent: result.error.permanent,
      ...(inconclusive && { inconclusive: true }),
    };
  }
  if (!statusExpected(result.status, settings.expectedStatus)) {
    const unfollowed = result.unfollowed
      ? ` (a redirect to ${redactor.url(result.unfollowed.to)}, not followed: ${result.unfollowed.reason})`
      : '';
    const detail = `status ${result.status}${unfollowed}, expected ${describeStatusRanges(settings.expectedStatus)}`;
    return { ...base, verdict: 'wrong-status', status: result.status, detail };
  }
  // Redacted before it is cut, so no excerpt can end in the first half of a token.
  const body = (): string => JSON.stringify(excerpt(redactor.redact(result.body)));
  const mismatch = await bodyMismatch(result.body, settings.expectedBody, regexes, matchLimit);
  const jsonOutcome =
    !mismatch && settings.expectedJson && (await regexes.checkJson(settings.expectedJson, result.body, matchLimit));
  const failure =
    mismatch ??
    (jsonOutcome === 'stopped' || jsonOutcome === 'deadline' || jsonOutcome === 'unstarted'
      ? unfinishedCheck(
          `expected-json ${describeValue(settings.expectedJson!.text)}`,
          jsonOutcome,
          result.body,
          matchLimit,
          {
            evaluating: 'being evaluated on',
            cost: 'simplify the expression',
          },
        )
      : jsonOutcome
        ? { detail: jsonOutcome, inconclusive: false }
        : undefined);
  if (failure) {
    return {
      ...base,
      verdict: 'wrong-body',
      status: result.status,
      detail: `${redactor.redact(failure.detail)}: ${body()}`,
      ...(failure.inconclusive && { inconclusive: true }),
    };
  }
  return { ...base, verdict: 'pass', status: result.status, detail: '' };
}

/**
 * How long past its own time limit a probe (request and body match) may run before the gate abandons
 * it: the probe enforces its limit itself, and this only keeps a probe that fails to settle (a
 * transport that never reports its failure) from holding the gate past its deadline.
 */
export const ABANDON_GRACE_MS = 250;

/**
 * `work`, or `late()` if `work` has not settled within `ms` milliseconds; `work` is then left to
 * settle (or not) on its own, unobserved.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `work`'s value, or undefined as soon as `signal` aborts (`work` is then left to settle unobserved). */
function unlessAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
  if (!signal) return work;
  if (signal.aborted) return Promise.resolve(undefined);
  let onAbort = (): void => undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined);
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * Probes every URL once per round, in parallel, until the gate decides. Rounds start on a fixed
 * grid (initial-delay + k * interval) so probe time does not stretch the interval; a round that
 * overruns its slot is followed at once. No round starts at or after the timeout, and a probe's
 * request-timeout is cut to what is left of it, so the gate ends on time.
 */
export async function runHealthCheck(settings: HealthCheckSettings): Promise<HealthReport> {
  const startedAt = performance.now();
  const elapsedMs = (): number => performance.now() - startedAt;
  const deadlineMs = settings.timeoutMs;
  const transport = new ProbeTransport(settings.insecureTls, settings.agents);
  const redactor = new Redactor(settings.headers, settings.urls);
  const needsThread = settings.expectedBody?.kind === 'regex' || settings.expectedJson !== undefined;
  if (needsThread && !settings.regexThread) {
    throw new Error('runHealthCheck: an expected-body regex or expected-json needs settings.regexThread to run it in');
  }
  const regexes = new BodyRegexMatcher(settings.regexThread ?? { filename: '' });
  if (needsThread) regexes.warm();
  const tallies = settings.urls.map((url) => new UrlTally(redactor.url(url.href)));
  const state = new GateState(settings.successThreshold, settings.failureThreshold);
  const isAnswer = (status: number): boolean => statusExpected(status, settings.expectedStatus);
  let outcome: GateOutcome = 'timeout';
  let rounds = 0;
  let lastRound: RoundResult | undefined;
  // True when the gate stops before its timeout because the next round would start at or after it.
  let stoppedBeforeDeadline = false;
  try {
    const signal = settings.signal;
    // Node counts timers in whole milliseconds, so a timer may fire up to a millisecond before the time it was set
    // for: the gate sleeps again until its own clock says a round's slot has come, so no round starts early.
    const sleepUntil = async (atMs: number): Promise<void> => {
      while (elapsedMs() < atMs && !signal?.aborted) await sleep(atMs - elapsedMs(), signal);
    };
    let nextRoundMs = Math.min(settings.initialDelayMs, deadlineMs);
    await sleepUntil(nextRoundMs);
    while (elapsedMs() < deadlineMs && !signal?.aborted) {
      const round = Promise.all(
        settings.urls.map(async (url) => {
          const sentAt = performance.now();
          const leftMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
          const cutByTimeout = leftMs < settings.requestTimeoutMs;
          const timeoutMs = cutByTimeout ? leftMs : settings.requestTimeoutMs;
          const timeoutName = cutByTimeout ? 'what was left of timeout' : 'request-timeout';
          const abandoned = (): ProbeResult => ({
            url: redactor.url(url.href),
            finalUrl: redactor.url(url.href),
            verdict: 'error',
            detail: `the probe did not finish within ${timeoutMs} ms (${timeoutName}) and was abandoned`,
            errorKind: 'timeout',
            // As for any timeout of a probe whose limit the gate's deadline cut (see judge).
            ...(cutByTimeout && { inconclusive: true }),
            latencyMs: Math.round(performance.now() - sentAt),
            redirects: [],
          });
          const probe = async (): Promise<ProbeResult> => {
            const result = await settleWithin<HttpResult | undefined>(
              probeUrl({
                url,
                method: settings.method,
                headers: settings.headers,
                timeoutMs,
                timeoutName,
                maxRedirects: settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
                followRedirects: settings.followRedirects ?? 'none',
                isAnswer,
                transport,
                redactor,
              }),
              timeoutMs + ABANDON_GRACE_MS,
              () => undefined,
            );
            if (!result) return abandoned();
            const latencyMs = Math.round(performance.now() - sentAt);
            // Matching the body is part of the probe, so it gets what is left of the probe's own limit;
            // a matching thread still starting up may be waited for until the gate's timeout, apart
            // from that limit: its start-up is not the pattern's cost.
            const startMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
            // A probe whose limit was already cut to what is left of the timeout has no limit of its own: a
            // check it cannot finish was stopped by the gate's deadline, not by its cost.
            const ownMs = cutByTimeout ? Number.POSITIVE_INFINITY : Math.max(1, timeoutMs - latencyMs);
            const matchLimit = { ms: ownMs, name: timeoutName, startMs };
            return settleWithin(
              judge(url, result, latencyMs, settings, { redactor, regexes, matchLimit, cutByTimeout }),
              startMs + ABANDON_GRACE_MS,
              abandoned,
            );
          };
          return probe();
        }),
      );
      const probes = await unlessAborted(round, signal);
      // A round the cancel cut short tells nothing: only completed rounds are reported.
      if (!probes) break;
      rounds += 1;
      probes.forEach((probe, index) => tallies[index].add(probe));
      const atSeconds = seconds(elapsedMs());
      lastRound = { round: rounds, atSeconds, passed: probes.every((probe) => probe.verdict === 'pass'), probes };
      settings.onRound?.(lastRound);
      // A URL that cannot work (an https:// URL on a plain-HTTP port) will not start working by waiting.
      const decision = probes.some((probe) => probe.permanent)
        ? 'misconfigured'
        : state.record(lastRound.passed, atSeconds);
      if (decision) {
        outcome = decision;
        break;
      }
      nextRoundMs = Math.max(nextRoundMs + settings.intervalMs, elapsedMs());
      if (nextRoundMs >= deadlineMs) {
        stoppedBeforeDeadline = elapsedMs() < deadlineMs;
        break;
      }
      await sleepUntil(nextRoundMs);
    }
    if (signal?.aborted) outcome = 'cancelled';
  } finally {
    transport.destroy();
    regexes.close();
  }
  const healthy = outcome === 'healthy';
  const urls = tallies.map((tally) => tally.snapshot());
  return {
    healthy,
    outcome,
    reason: explain(outcome, settings, state, rounds, lastRound, urls, stoppedBeforeDeadline),
    rounds,
    passedRounds: state.passedRounds,
    failedRounds: state.failedRounds,
    timeToHealthySeconds: healthy ? state.healthySince : null,
    elapsedSeconds: seconds(elapsedMs()),
    urls,
  };
}

function explain(
  outcome: GateOutcome,
  settings: HealthCheckSettings,
  state: GateState,
  rounds: number,
  last: RoundResult | undefined,
  urls: readonly UrlReport[],
  stoppedBeforeDeadline: boolean,
): string {
  // A last round cut short by the timeout may say less than the round before it did: a wrong answer, or
  // else a probe error, that no inconclusive probe replaced in the URL's report.
  const words = (probe: ProbeResult, index: number): string => {
    const conclusive = urls[index].lastMismatch ?? urls[index].lastError;
    return probe.inconclusive && conclusive !== null && conclusive !== probe.detail
      ? `${probe.url}: ${probe.detail} (the last conclusive answer: ${conclusive})`
      : `${probe.url}: ${probe.detail}`;
  };
  const failing = last?.probes.flatMap((probe, index) => (probe.verdict === 'pass' ? [] : [words(probe, index)])) ?? [];
  const lastWords = failing.length ? `; last round: ${failing.join('; ')}` : '';
  if (outcome === 'healthy') {
    return `healthy: ${settings.successThreshold} consecutive passing round(s) of ${settings.urls.length} URL(s) after ${rounds} round(s)`;
  }
  if (outcome === 'misconfigured') {
    return `unhealthy: a URL cannot answer as configured, so the gate stopped without waiting for the timeout${lastWords}`;
  }
  if (outcome === 'flapping') {
    return `unhealthy: ${state.failuresAfterFirstPass} failed round(s) after the first passing round (failure-threshold ${settings.failureThreshold})${lastWords}`;
  }
  if (outcome === 'cancelled') {
    return `unhealthy: the run was cancelled after ${rounds} round(s), ${progressOf(settings, state)}${lastWords}`;
  }
  if (rounds === 0)
    return `unhealthy: timeout ${formatDuration(settings.timeoutMs)} reached before the first round (initial-delay ${formatDuration(settings.initialDelayMs)})`;
  const progress = progressOf(settings, state);
  // Stopping less than an interval early is reaching the timeout; but when the interval outlasts the
  // time after initial-delay, the one round ran long before the timeout, and the message says why.
  const oneRoundFits = settings.intervalMs >= settings.timeoutMs - settings.initialDelayMs;
  const ending =
    stoppedBeforeDeadline && oneRoundFits
      ? `the next round would start after timeout ${formatDuration(settings.timeoutMs)} (interval ${formatDuration(settings.intervalMs)}), so the gate stopped`
      : `timeout ${formatDuration(settings.timeoutMs)} reached`;
  return `unhealthy: ${ending} after ${rounds} round(s), ${progress}${lastWords}`;
}

function progressOf(settings: HealthCheckSettings, state: GateState): string {
  return state.firstPassAt === null
    ? 'no round passed'
    : `${state.passedRounds} round(s) passed but not ${settings.successThreshold} in a row`;
}
