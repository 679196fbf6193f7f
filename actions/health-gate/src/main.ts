import * as core from '@actions/core';
import { inGroup, setOutputs, writeSummary } from '@sophia/action-runtime';
import { describeProbe, describeRound, runHealthCheck, type RoundResult } from '@sophia/health-check';
import { formatDuration } from '@sophia/inputs';
import { getInputs } from './input-helper.js';
import { healthSummary } from './summary.js';

function logRound(round: RoundResult): void {
  core.info(describeRound(round));
  for (const probe of round.probes) core.info(`  ${describeProbe(probe)}`);
}

export async function main(): Promise<void> {
  const settings = getInputs();
  core.info(
    `Checking ${settings.urls.length} URL(s) every ${formatDuration(settings.intervalMs)} for up to ${formatDuration(settings.timeoutMs)}: ` +
      `healthy after ${settings.successThreshold} passing round(s) in a row, ` +
      `unhealthy after ${settings.failureThreshold} failed round(s) once one has passed`,
  );
  const report = await inGroup('Health checks', () => runHealthCheck({ ...settings, onRound: logRound }));

  setOutputs({
    healthy: report.healthy,
    rounds: report.rounds,
    'time-to-healthy': report.timeToHealthySeconds ?? '',
    report,
  });
  await writeSummary(healthSummary(report));

  if (report.healthy) core.info(report.reason);
  else if (settings.failOnUnhealthy) throw new Error(report.reason);
  else core.warning(`${report.reason} (fail-on-unhealthy is false: the step succeeds, the outputs tell)`);
}
