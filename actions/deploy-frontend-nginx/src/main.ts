import { actionLog, publish, stepState } from '@sophia/action-runtime';
import { freeLocksLeftBehind, rememberDeployLock } from '@sophia/releases';
import { ReportedError } from '@sophia/reporting';
import { sshTargetsFrom } from '@sophia/ssh';
import { deployFromSettings } from './deploy.js';
import { getInputs } from './input-helper.js';
import { frontendPublication, hostLines } from './summary.js';

/**
 * The runbook: read inputs; check the build, verify and connect every host, then the release flow
 * (lock, delta upload, config test, switch everywhere or nowhere, smoke, prune); then outputs and
 * summary, written whether the release went live or not; the step fails if any host failed.
 */
export async function main(): Promise<void> {
  const settings = getInputs();
  const lockToken = rememberDeployLock(stepState, settings.target);
  const report = await actionLog.group(`Release ${settings.releaseId} to ${settings.ssh.hosts.length} host(s)`, () =>
    deployFromSettings(settings, { lockToken, log: actionLog.info }),
  );
  await publish(frontendPublication(report, settings));
  for (const line of hostLines(report)) actionLog.info(line);
  for (const warning of report.hosts.flatMap((host) => host.warnings)) actionLog.warning(warning);
  if (report.error) throw new ReportedError(report.error, report);
}

/** The post step: frees the deploy locks a cancelled or killed main step left on its hosts. */
export async function post(): Promise<void> {
  await freeLocksLeftBehind(stepState, () => sshTargetsFrom(getInputs().ssh), actionLog);
}
