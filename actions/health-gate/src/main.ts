import {
  actionLog,
  CANCELLED_MESSAGE,
  cancelSignal,
  publish,
  publishing,
  runUrl,
  toolkitAgents,
} from '@sophia/action-runtime';
import { describeProbe, describeRound, runHealthCheck, type RegexThread, type RoundResult } from '@sophia/health-check';
import { formatDuration } from '@sophia/reporting';
import { alertFailure, keepAlertIssue } from './alert.js';
import { getInputs } from './input-helper.js';
import { healthPublication, notCheckedPublication } from './summary.js';

function logRound(round: RoundResult): void {
  actionLog.info(describeRound(round));
  for (const probe of round.probes) actionLog.info(`  ${describeProbe(probe)}`);
}

/**
 * The runbook: read inputs, probe every URL in rounds until a verdict, report, keep the alert
 * issue (with `alert-issue`), fail if unhealthy or if the alert issue could not be kept.
 * `regexThread`: how to start the thread that matches an expected-body regex (the bundle itself).
 */
export async function main(regexThread: RegexThread): Promise<void> {
  const settings = getInputs();
  actionLog.info(
    `Checking ${settings.urls.length} URL(s) every ${formatDuration(settings.intervalMs)} for up to ${formatDuration(settings.timeoutMs)}: ` +
      `healthy after ${settings.successThreshold} passing round(s) in a row, ` +
      `unhealthy after ${settings.failureThreshold} failed round(s) once one has passed`,
  );
  // Outputs and summary are published however the step ends once the inputs are read: a check that
  // could not start (a proxy variable that is not a URL) says so and why, and a cancelled one
  // publishes the rounds it completed.
  const report = await publishing(
    () =>
      actionLog.group('Health checks', () =>
        runHealthCheck({
          ...settings,
          regexThread,
          agents: toolkitAgents(),
          onRound: logRound,
          signal: cancelSignal(),
        }),
      ),
    { publicationOf: healthPublication, unreported: notCheckedPublication },
  );

  if (report.outcome === 'cancelled') throw new Error(CANCELLED_MESSAGE);
  // The verdict is published already; an alert issue GitHub refused is said apart from it, and
  // fails the step: a monitor (fail-on-unhealthy false) whose alerting is broken would otherwise
  // stay green through an outage nobody hears of.
  let alertFailed: string | undefined;
  if (settings.alert) {
    try {
      const alert = await keepAlertIssue(settings.alert, report, runUrl());
      await publish(alert);
      actionLog.info(`Alert issue: ${alert.outputs.alert} ${alert.outputs['alert-issue-url']}`.trim());
    } catch (error) {
      const failure = alertFailure(error);
      await publish(failure.publication);
      alertFailed = failure.message;
    }
  }
  if (report.healthy) actionLog.info(report.reason);
  else if (!settings.failOnUnhealthy) {
    actionLog.warning(
      `${report.reason} (fail-on-unhealthy is false: the verdict does not fail the step, the outputs tell)`,
    );
  }
  const failures = [!report.healthy && settings.failOnUnhealthy && report.reason, alertFailed].filter(Boolean);
  if (failures.length > 0) throw new Error(failures.join('; '));
}
