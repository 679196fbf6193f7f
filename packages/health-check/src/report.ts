import type { Redirect } from './http-probe.js';
import type { ProbeErrorKind } from './probe-errors.js';

/**
 * How one probe ended: `pass`; `wrong-status` (an answer outside expected-status); `wrong-body` (expected status, body
 * did not match); `error` (no usable answer, see ProbeErrorKind).
 */
export type ProbeVerdict = 'pass' | 'wrong-status' | 'wrong-body' | 'error';

/** One probe of one URL in one round, as the log line and the report's counters read it. */
export interface ProbeResult {
  /** The URL as the `urls` input names it (before redirects). */
  url: string;
  /** The URL that gave the answer (or failed), after the redirects followed. */
  finalUrl: string;
  verdict: ProbeVerdict;
  /** The final status after redirects; absent when the probe got no answer. */
  status?: number;
  /** Why it did not pass (empty when it did). */
  detail: string;
  errorKind?: ProbeErrorKind;
  /** Set on a probe error that waiting cannot cure, such as a plain-HTTP server behind an https:// URL. */
  permanent?: boolean;
  /**
   * Set on a wrong-body verdict whose check did not finish within a limit other than its own (see
   * BodyCheckFailure), and on a timeout error of a probe whose limit was cut to what was left of the
   * gate's timeout: the report keeps the last conclusive mismatch over it, and says it beside it.
   */
  inconclusive?: boolean;
  /** Milliseconds from sending the request to the whole body read (or the failure), redirects included. */
  latencyMs: number;
  /** The redirects followed, in order (empty when none). */
  redirects: Redirect[];
}

/** One round: every URL probed once, in parallel; it passes only when every probe passed. */
export interface RoundResult {
  /** 1 for the first round. */
  round: number;
  /** Seconds since the gate started, when the round's last answer arrived. */
  atSeconds: number;
  passed: boolean;
  probes: ProbeResult[];
}

/**
 * One URL over the whole gate: counters over every probe of it (each probe counts once, in exactly one of passes,
 * wrongStatus, wrongBody, errors), and the latest answer and failure.
 */
export interface UrlReport {
  /** The URL as the `urls` input names it (before redirects). */
  url: string;
  /** How many times the URL was probed (one per round). */
  probes: number;
  /** Probes that passed. */
  passes: number;
  /** Answers with a status outside expected-status. */
  wrongStatus: number;
  /** Answers with an expected status whose body did not match expected-body. */
  wrongBody: number;
  /** No usable answer: refused, reset, DNS, TLS, timeout, redirect loop. */
  errors: number;
  /**
   * Conclusive failed probes by kind of failure: the probe error kind (such as `refused` or
   * `timeout`), `status 5xx` (the status class of a wrong status), `body` (expected status, wrong
   * body). A probe cut short by the gate's own deadline (ProbeResult.inconclusive) is not counted:
   * it says how the gate ended, not how the URL fails.
   */
  failureKinds: Record<string, number>;
  /** The HTTP status of the latest answer; null when no probe got one. */
  lastStatus: number | null;
  /**
   * The latest probe error, kept apart from wrong answers; an inconclusive one (see ProbeResult.inconclusive) does not
   * replace a conclusive one.
   */
  lastError: string | null;
  /** The kind of lastError (null when no probe failed). */
  lastErrorKind: ProbeErrorKind | null;
  /** The latest wrong status or body; an inconclusive one (see ProbeResult.inconclusive) does not replace a conclusive one. */
  lastMismatch: string | null;
  /** Over probes that got an answer. */
  latencyMs: { p50: number | null; max: number | null };
  /** The redirects the latest probe followed. */
  redirects: Redirect[];
  /** The URL that gave the latest answer, after redirects; the URL itself when none was followed. */
  finalUrl: string;
}

/**
 * `misconfigured`: a probe error retrying cannot cure ended the gate before its timeout;
 * `cancelled`: the run was cancelled (see HealthCheckSettings.signal), the report holds the rounds completed.
 */
export type GateOutcome = 'healthy' | 'flapping' | 'timeout' | 'misconfigured' | 'cancelled';

/** The verdict of `runHealthCheck` and how it was reached; the health-gate action's `report` output. */
export interface HealthReport {
  healthy: boolean;
  outcome: GateOutcome;
  /** One sentence saying why, naming the URL and problem that decided it. */
  reason: string;
  /** Rounds run, each probing every URL once. */
  rounds: number;
  passedRounds: number;
  failedRounds: number;
  /** Seconds from the start of the gate until the first round of the passing streak that made it healthy. */
  timeToHealthySeconds: number | null;
  /** Seconds from the start of the gate until it decided. */
  elapsedSeconds: number;
  urls: UrlReport[];
}

/** Nearest-rank median: a latency some probe really had, not an average of two. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

/** The kind of a conclusive failure (see UrlReport.failureKinds); undefined for a pass or an inconclusive probe. */
function failureKindOf(probe: ProbeResult): string | undefined {
  if (probe.verdict === 'pass' || probe.inconclusive) return undefined;
  if (probe.verdict === 'error') return probe.errorKind ?? 'other';
  if (probe.verdict === 'wrong-body') return 'body';
  return `status ${probe.status === undefined ? 'none' : `${Math.floor(probe.status / 100)}xx`}`;
}

/** Accumulates the probes of one URL across rounds. */
export class UrlTally {
  private readonly latencies: number[] = [];
  private readonly report: UrlReport;
  /** Whether lastMismatch holds a conclusive mismatch, which no inconclusive one replaces. */
  private conclusive = false;
  /** Whether lastError holds a conclusive error, which no inconclusive one (a probe the deadline cut) replaces. */
  private conclusiveError = false;

  constructor(url: string) {
    this.report = {
      url,
      probes: 0,
      passes: 0,
      wrongStatus: 0,
      wrongBody: 0,
      errors: 0,
      failureKinds: {},
      lastStatus: null,
      lastError: null,
      lastErrorKind: null,
      lastMismatch: null,
      latencyMs: { p50: null, max: null },
      redirects: [],
      finalUrl: url,
    };
  }

  /** Counts one probe of this URL; a probe without an answer adds no latency sample. */
  add(probe: ProbeResult): void {
    const report = this.report;
    report.probes += 1;
    report.redirects = probe.redirects;
    report.finalUrl = probe.finalUrl;
    if (probe.status !== undefined) {
      report.lastStatus = probe.status;
      this.latencies.push(probe.latencyMs);
    }
    if (probe.verdict === 'pass') report.passes += 1;
    if (probe.verdict === 'wrong-status') report.wrongStatus += 1;
    if (probe.verdict === 'wrong-body') report.wrongBody += 1;
    if (probe.verdict === 'wrong-status' || (probe.verdict === 'wrong-body' && !probe.inconclusive)) {
      report.lastMismatch = probe.detail;
      this.conclusive = true;
    } else if (probe.verdict === 'wrong-body' && !this.conclusive) {
      report.lastMismatch = probe.detail;
    }
    const kind = failureKindOf(probe);
    if (kind !== undefined) report.failureKinds[kind] = (report.failureKinds[kind] ?? 0) + 1;
    if (probe.verdict === 'error') {
      report.errors += 1;
      // A last round started with milliseconds left on a loaded runner must not hide what every whole round said
      // (a TLS failure, a refused connection) behind the deadline that cut it.
      if (!probe.inconclusive || !this.conclusiveError) {
        report.lastError = probe.detail;
        report.lastErrorKind = probe.errorKind ?? 'other';
        this.conclusiveError ||= !probe.inconclusive;
      }
    }
  }

  /**
   * A copy of the counters so far with the latency summary (median and max over the probes that got an answer, in
   * milliseconds).
   */
  snapshot(): UrlReport {
    const max = this.latencies.length ? Math.max(...this.latencies) : null;
    return {
      ...this.report,
      failureKinds: { ...this.report.failureKinds },
      latencyMs: { p50: median(this.latencies), max },
    };
  }
}

/** One log line per probe; header values never appear, and the body only as a short excerpt on a mismatch. */
export function describeProbe(probe: ProbeResult): string {
  const hops = probe.redirects.length
    ? ` via ${probe.redirects.length} redirect(s) to ${probe.redirects.at(-1)!.to}`
    : '';
  if (probe.verdict === 'pass') return `pass  ${probe.url}: ${probe.status} in ${probe.latencyMs} ms${hops}`;
  const label = probe.verdict === 'error' ? `error (${probe.errorKind})` : probe.verdict;
  return `${label}  ${probe.url}: ${probe.detail} (${probe.latencyMs} ms)${hops}`;
}

/** One log line per round: `round 3 at 12.4s: failed (1/2 URLs)`; the time is seconds since the gate started. */
export function describeRound(round: RoundResult): string {
  const passes = round.probes.filter((probe) => probe.verdict === 'pass').length;
  return `round ${round.round} at ${round.atSeconds.toFixed(1)}s: ${round.passed ? 'passed' : 'failed'} (${passes}/${round.probes.length} URLs)`;
}

/**
 * What is failing, in kind, as entries (`<url> <kind>`, sorted), so that two unhealthy reports can
 * be told apart ("the same outage" or "something else broke"): per unhealthy URL, the URL and the
 * kind it failed with most often among its conclusive failures (UrlReport.failureKinds; ties go
 * to the kind first in alphabetical order), not the latest answer's, which a URL failing 40% of
 * its probes answers with a pass as often as not. A URL is unhealthy when at least as many of its
 * probes failed as passed; one failed probe among passes is noise, not a new outage (when no URL
 * reaches that, every URL with a conclusive failure counts). Probes the gate's deadline cut short,
 * exact codes, the gate's outcome (timeout or flapping), counts, latencies and timings are left
 * out: they differ from run to run of the same outage (a proxy answering 502 then 503, a probe
 * timing out on a loaded runner). Empty for a healthy report, and for one without any conclusive
 * failure.
 */
export function failureSignature(report: HealthReport): string[] {
  if (report.healthy) return [];
  const failed = report.urls
    .map((url) => {
      const kinds = Object.entries(url.failureKinds).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1));
      return { url, kind: kinds[0]?.[0], failures: kinds.reduce((sum, [, count]) => sum + count, 0) };
    })
    .filter((entry) => entry.failures > 0);
  const mostlyFailed = failed.filter((entry) => entry.failures >= entry.url.passes);
  return (mostlyFailed.length > 0 ? mostlyFailed : failed).map((entry) => `${entry.url.url} ${entry.kind}`).sort();
}
