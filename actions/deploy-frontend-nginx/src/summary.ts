import type { Publication } from '@sophia/action-runtime';
import {
  frontendPlanBlockers,
  frontendPlanMarkdown,
  releasePath,
  type FrontendDeployReport,
  type FrontendPlan,
  type HostReport,
} from '@sophia/releases';
import { failedMarkdown, formatBytes, markdownTable, markdownText } from '@sophia/reporting';
import { hostLabel, sshTargetsFrom } from '@sophia/ssh';
import type { FrontendDeploySettings } from './input-helper.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/**
 * What a deploy that never produced a report needs of the settings: where the site is, and the release and
 * hosts asked for. A deploy that ran is published from its report alone.
 */
export type SiteLocation = Pick<FrontendDeploySettings, 'target' | 'smokeUrl' | 'releaseId' | 'ssh'>;

function siteLine(target: string, smokeUrl: string | undefined, labels: string[]): string {
  return `Site: ${markdownText(smokeUrl ?? `${target}/current on ${labels.join(', ')}`, 1000)}`;
}

function summaryOf(report: FrontendDeployReport): string {
  const table = markdownTable(
    ['Host', 'Outcome', 'Serving', 'Release', 'Previous', 'Files uploaded', 'Files reused', 'Bytes sent', 'Seconds'],
    report.hosts.map((host) => [
      host.label,
      host.outcome,
      // What the host serves when the step ends: the release that is live there, whatever happened.
      host.serving === undefined ? 'unknown (unreachable)' : host.serving || 'nothing',
      host.releaseId,
      host.previousReleaseId ?? '',
      host.filesUploaded,
      host.filesReused,
      formatBytes(host.bytesUploaded),
      host.seconds.toFixed(2),
    ]),
  );
  const where = siteLine(
    report.target,
    report.smokeUrl,
    report.hosts.map((host) => host.label),
  );
  const failure = report.error ? `\n${failedMarkdown(report.error)}\n` : '';
  const locked = report.hosts.filter((host) => host.lockHeld).map((host) => host.label);
  const lockLine =
    locked.length > 0
      ? `\nThe deploy lock is still held on ${markdownText(locked.join(', '), 1000)}: the post step frees it (or the next deploy takes it over after lock-timeout).\n`
      : '';
  return `### Frontend release ${markdownText(report.releaseId)}\n\n${table}\n${where}\n${failure}${lockLine}`;
}

/** How a host's run ends in its log group. */
function hostLine(host: HostReport): string {
  const failure = host.error ? `: ${host.error}` : '';
  return `${host.outcome}${failure}; ${host.filesUploaded} uploaded, ${host.filesReused} reused, ${host.bytesUploaded} bytes, ${host.seconds}s`;
}

/**
 * The action's outputs (totals over every host; `hosts` is the JSON array of every host's
 * `hostLabel`), one log group per host with its lines and outcome, its warnings, and the job summary.
 */
export function frontendPublication(report: FrontendDeployReport): Publication {
  const sum = (pick: (host: HostReport) => number) => report.hosts.reduce((total, host) => total + pick(host), 0);
  return {
    outputs: {
      'release-id': report.releaseId,
      'previous-release-id': report.hosts.find((host) => host.previousReleaseId)?.previousReleaseId ?? '',
      'release-path': report.hosts[0]?.releasePath ?? releasePath(report.target, report.releaseId),
      'files-uploaded': sum((host) => host.filesUploaded),
      'files-reused': sum((host) => host.filesReused),
      'bytes-uploaded': sum((host) => host.bytesUploaded),
      hosts: report.hosts.map((host) => host.label),
    },
    logGroups: report.hosts.map((host) => ({ title: host.label, lines: [...host.log, hostLine(host)] })),
    warnings: report.hosts.flatMap((host) => host.warnings),
    summary: summaryOf(report),
  };
}

/**
 * A deploy that failed before any host changed (a build that cannot be read, a host that cannot be
 * verified or reached): the outputs as the inputs give them, nothing sent, and a summary that says why.
 */
export function notReleasedPublication(error: unknown, site: SiteLocation): Publication {
  const labels = sshTargetsFrom(site.ssh).map(hostLabel);
  return {
    outputs: {
      'release-id': site.releaseId,
      'previous-release-id': '',
      'release-path': releasePath(site.target, site.releaseId),
      ...NOT_RUN_OUTPUTS,
      hosts: labels,
    },
    summary: `### Frontend release ${site.releaseId}\n\nNo host was changed.\n${siteLine(site.target, site.smokeUrl?.href, labels)}\n\n${failedMarkdown(error)}\n`,
  };
}

/**
 * A plan's publication (`dry-run: true`): the `plan` output, `release-id`, `release-path` and
 * `hosts` as a deploy would give them, every blocker as a warning naming its host, and the job
 * summary: per host what would be added, changed, removed, kept and sent, and the nginx config.
 */
export function frontendPlanPublication(plan: FrontendPlan, site: SiteLocation): Publication {
  const blockers = frontendPlanBlockers(plan);
  return {
    outputs: {
      'release-id': plan.releaseId,
      'release-path': releasePath(site.target, plan.releaseId),
      hosts: plan.hosts.map((host) => host.label),
      plan,
    },
    warnings: blockers,
    summary: frontendPlanMarkdown(plan),
  };
}
