import { actionLog, publish, toolkitAgents } from '@sophia/action-runtime';
import { describeProbe, describeRound, runHealthCheck, type RegexThread, type RoundResult } from '@sophia/health-check';
import { formatDuration } from '@sophia/inputs';
import { getInputs } from './input-helper.js';
import { healthSummary } from './summary.js';

function logRound(round: RoundResult): void {
  actionLog.info(describeRound(round));
  for (const probe of round.probes) actionLog.info(`  ${describeProbe(probe)}`);
}

/**
 * The runbook: read inputs, probe every URL in rounds until a verdict, report, fail if unhealthy.
 * `regexThread`: how to start the thread that matches an expected-body regex (the bundle itself).
 */
export async function main(regexThread: RegexThread): Promise<void> {
  const settings = getInputs();
  actionLog.info(
    `Checking ${settings.urls.length} URL(s) every ${formatDuration(settings.intervalMs)} for up to ${formatDuration(settings.timeoutMs)}: ` +
      `healthy after ${settings.successThreshold} passing round(s) in a row, ` +
      `unhealthy after ${settings.failureThreshold} failed round(s) once one has passed`,
  );
  const report = await actionLog.group('Health checks', () =>
    runHealthCheck({ ...settings, regexThread, agents: toolkitAgents(), onRound: logRound }),
  );

  await publish({
    outputs: {
      healthy: report.healthy,
      rounds: report.rounds,
      'time-to-healthy': report.timeToHealthySeconds ?? '',
      report,
    },
    summary: healthSummary(report),
  });

  if (report.healthy) actionLog.info(report.reason);
  else if (settings.failOnUnhealthy) throw new Error(report.reason);
  else actionLog.warning(`${report.reason} (fail-on-unhealthy is false: the step succeeds, the outputs tell)`);
}
