import * as core from '@actions/core';
import { markdownTable, setOutputs, writeSummary } from '@sophia/action-runtime';
import type { DeployReport } from '@sophia/releases';
import { deployFromSettings } from './deploy.js';
import { getInputs, type FrontendDeploySettings } from './input-helper.js';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function summaryOf(report: DeployReport, settings: FrontendDeploySettings): string {
  const table = markdownTable(
    ['Host', 'Outcome', 'Release', 'Previous', 'Files uploaded', 'Files reused', 'Bytes sent', 'Seconds'],
    report.hosts.map((host) => [
      host.label,
      host.outcome,
      host.releaseId,
      host.previousReleaseId ?? '',
      host.filesUploaded,
      host.filesReused,
      formatBytes(host.bytesUploaded),
      host.seconds.toFixed(2),
    ]),
  );
  const site = settings.smokeUrl
    ? `Site: ${settings.smokeUrl.href}`
    : `Site: ${settings.target}/current on ${report.hosts.map((host) => host.host).join(', ')}`;
  const failure = report.error ? `\n**Failed:** ${report.error}\n` : '';
  return `### Frontend release ${report.releaseId}\n\n${table}\n${site}\n${failure}`;
}

export async function main(): Promise<void> {
  const settings = getInputs();
  const report = await deployFromSettings(settings, { log: (line) => core.info(line) });
  const sum = (pick: (host: DeployReport['hosts'][number]) => number) =>
    report.hosts.reduce((total, host) => total + pick(host), 0);
  setOutputs({
    'release-id': report.releaseId,
    'previous-release-id': report.hosts.find((host) => host.previousReleaseId)?.previousReleaseId ?? '',
    'release-path': `${settings.target}/releases/${report.releaseId}`,
    'files-uploaded': sum((host) => host.filesUploaded),
    'files-reused': sum((host) => host.filesReused),
    'bytes-uploaded': sum((host) => host.bytesUploaded),
    hosts: report.hosts.map((host) => host.host),
  });
  await writeSummary(summaryOf(report, settings));
  for (const host of report.hosts) {
    core.info(
      `${host.label}: ${host.outcome}, ${host.filesUploaded} uploaded, ${host.filesReused} reused, ${host.bytesUploaded} bytes, ${host.seconds}s`,
    );
  }
  if (report.error) throw new Error(report.error);
}
