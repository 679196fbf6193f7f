import {
  actionLog,
  CANCELLED_MESSAGE,
  cancelSignal,
  provisionalPublisher,
  publish,
  publishing,
  stepState,
  withPlanFile,
} from '@sophia/action-runtime';
import {
  FrontendDeployFailedError,
  freeLocksLeftBehind,
  lockCleanupMarkdown,
  rememberDeployLock,
} from '@sophia/releases';
import { sshTargetsFrom } from '@sophia/ssh';
import { deployFromSettings, planFromSettings } from './deploy.js';
import { getInputs } from './input-helper.js';
import { frontendPlanPublication, frontendPublication, notReleasedPublication } from './summary.js';

/**
 * The runbook: read inputs; with dry-run, check the build, verify and connect every host and publish
 * the plan, changing nothing. Otherwise check the build, verify and connect every host, then the release flow
 * (lock, delta upload, config test, switch everywhere or nowhere, smoke, prune); then outputs, one
 * log group per host and the summary, written on every path once the inputs are read, and the line
 * saying the release is live everywhere; the step fails if any host failed.
 */
export async function main(): Promise<void> {
  const settings = getInputs();
  if (settings.dryRun) {
    actionLog.info(
      `Planning release ${settings.releaseId} on ${settings.ssh.hosts.length} host(s); nothing is changed`,
    );
    await publishing(() => planFromSettings(settings), {
      publicationOf: (plan) => withPlanFile(frontendPlanPublication(plan, settings), 'deploy-frontend-nginx'),
      unreported: (error) => notReleasedPublication(error, settings),
    });
    return;
  }
  const { lockToken, journal } = rememberDeployLock(stepState, settings.target);
  actionLog.info(`Releasing ${settings.releaseId} to ${settings.ssh.hosts.length} host(s)`);
  // On cancel, what is known is published at once (nothing released yet, then the deploy's own
  // report), since the runner may end the step before the put-back ends; the end overwrites it.
  const signal = cancelSignal();
  const provisional = provisionalPublisher(signal, () => notReleasedPublication(CANCELLED_MESSAGE, settings));
  const report = await publishing(
    // Hosts work in parallel: their lines are live at debug level only, and folded per host afterwards.
    () =>
      provisional.around(() =>
        deployFromSettings(settings, {
          lockToken,
          journal,
          log: actionLog.debug,
          signal,
          onCancelled: (report) => provisional.publish(frontendPublication(report)),
        }),
      ),
    {
      reported: FrontendDeployFailedError,
      publicationOf: frontendPublication,
      unreported: (error) => notReleasedPublication(error, settings),
    },
  );
  // The outcome closes the log, after the host groups that show how each host got there.
  const hosts = report.hosts.length;
  actionLog.info(`${report.releaseId} is live on ${hosts} host${hosts === 1 ? '' : 's'}`);
}

/**
 * The post step: puts back every host a cancelled or killed main step had switched before the release
 * was live everywhere, and frees the deploy locks it left on its hosts.
 */
export async function post(): Promise<void> {
  const cleanups = await freeLocksLeftBehind(
    stepState,
    () => {
      const settings = getInputs();
      return { targets: sshTargetsFrom(settings.ssh), nginxReloadCommand: settings.nginxReloadCommand };
    },
    actionLog,
  );
  // The main step's summary may have been written before this clean-up (a cancel that outran its grace).
  const summary = lockCleanupMarkdown('deploy-frontend-nginx', cleanups);
  if (summary) await publish({ summary });
}
