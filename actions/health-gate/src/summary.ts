import type { Publication } from '@sophia/action-runtime';
import { failedMarkdown, markdownTable, markdownText, type MarkdownCell } from '@sophia/reporting';
import type { HealthReport, UrlReport } from '@sophia/health-check';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/** Longest reason a summary shows, in UTF-16 code units (it names every failing URL). */
const REASON_LIMIT = 2000;

function latency(value: number | null): string {
  return value === null ? '–' : `${value} ms`;
}

/** Lines of one cell, each text as markdownText shows it (answers of the servers probed), or `–` when none. */
function linesCell(lines: Array<string | null | undefined>): MarkdownCell {
  const shown = lines.filter((line): line is string => Boolean(line)).map((line) => markdownText(line, 500));
  return { markdown: shown.join('<br>') || '–' };
}

function lastProblem(url: UrlReport): MarkdownCell {
  return linesCell([url.lastError && `error: ${url.lastError}`, url.lastMismatch]);
}

/** The job summary: the verdict in one line, the reason as text, then one row per URL. */
export function healthSummary(report: HealthReport): string {
  const verdict = report.healthy
    ? `✅ **Healthy**: time to healthy ${report.timeToHealthySeconds}s, decided after ${report.elapsedSeconds}s and ${report.rounds} round(s).`
    : report.outcome === 'cancelled'
      ? `⏹️ **Cancelled** after ${report.elapsedSeconds}s and ${report.rounds} completed round(s).`
      : `❌ **Unhealthy** after ${report.elapsedSeconds}s and ${report.rounds} round(s).`;
  const rows = report.urls.map((url) => [
    url.url,
    `${url.passes}/${url.probes}`,
    url.wrongStatus + url.wrongBody,
    url.errors,
    url.lastStatus ?? '–',
    latency(url.latencyMs.p50),
    latency(url.latencyMs.max),
    linesCell(url.redirects.map((hop) => `${hop.status} → ${hop.to}`)),
    // Where the latest answer came from, so a redirect that landed somewhere unexpected shows at once.
    url.finalUrl === url.url ? '–' : url.finalUrl,
    lastProblem(url),
  ]);
  return [
    `### Health gate\n`,
    `${verdict}\n`,
    // The reason quotes what the servers answered: as text, never as Markdown or HTML.
    `${markdownText(report.reason, REASON_LIMIT)}\n`,
    markdownTable(
      [
        'URL',
        'Passed',
        'Wrong answers',
        'Probe errors',
        'Last status',
        'Latency p50',
        'Latency max',
        'Redirects',
        'Final URL',
        'Last problem',
      ],
      rows,
    ),
  ].join('\n');
}

/** The outputs `healthy`, `rounds`, `time-to-healthy` (seconds, empty when never healthy) and `report`, and the summary. */
export function healthPublication(report: HealthReport): Publication {
  return {
    outputs: {
      healthy: report.healthy,
      rounds: report.rounds,
      'time-to-healthy': report.timeToHealthySeconds ?? '',
      report,
    },
    summary: healthSummary(report),
  };
}

/**
 * What a check that could not start tells (a proxy variable that is not a URL): `healthy` false, no
 * rounds, no report, and a summary saying no URL was probed and why.
 */
export function notCheckedPublication(error: unknown): Publication {
  return {
    outputs: { ...NOT_RUN_OUTPUTS, 'time-to-healthy': '', report: '' },
    summary: `### Health gate\n\nNo URL was probed.\n\n${failedMarkdown(error)}\n`,
  };
}
