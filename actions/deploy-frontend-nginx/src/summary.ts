import type { Publication } from '@sophia/action-runtime';
import type { FrontendDeployReport } from '@sophia/releases';
import { markdownTable } from '@sophia/reporting';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Where the site is, for the summary: the smoke URL when given, else the `current` link on each host. */
export interface SiteLocation {
  target: string;
  smokeUrl?: URL;
}

function summaryOf(report: FrontendDeployReport, site: SiteLocation): string {
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
  const where = site.smokeUrl
    ? `Site: ${site.smokeUrl.href}`
    : `Site: ${site.target}/current on ${report.hosts.map((host) => host.host).join(', ')}`;
  const failure = report.error ? `\n**Failed:** ${report.error}\n` : '';
  return `### Frontend release ${report.releaseId}\n\n${table}\n${where}\n${failure}`;
}

/** The action's outputs (totals over every host), one log line per host, and the job summary. */
export function frontendPublication(report: FrontendDeployReport, site: SiteLocation): Publication {
  const sum = (pick: (host: FrontendDeployReport['hosts'][number]) => number) =>
    report.hosts.reduce((total, host) => total + pick(host), 0);
  return {
    outputs: {
      'release-id': report.releaseId,
      'previous-release-id': report.hosts.find((host) => host.previousReleaseId)?.previousReleaseId ?? '',
      'release-path': report.hosts[0]?.releasePath ?? `${site.target}/releases/${report.releaseId}`,
      'files-uploaded': sum((host) => host.filesUploaded),
      'files-reused': sum((host) => host.filesReused),
      'bytes-uploaded': sum((host) => host.bytesUploaded),
      hosts: report.hosts.map((host) => host.host),
    },
    summary: summaryOf(report, site),
  };
}

/** One line per host for the log, after the summary. */
export function hostLines(report: FrontendDeployReport): string[] {
  return report.hosts.map(
    (host) =>
      `${host.label}: ${host.outcome}, ${host.filesUploaded} uploaded, ${host.filesReused} reused, ${host.bytesUploaded} bytes, ${host.seconds}s`,
  );
}
