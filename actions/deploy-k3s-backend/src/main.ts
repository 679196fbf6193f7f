import * as core from '@actions/core';
import {
  connectKubectl,
  deployManifests,
  DeployFailedError,
  deployReportMarkdown,
  loadManifests,
  logDryRunDiff,
  logRolloutDiagnostics,
  prepareManifests,
  reportingManifestProblems,
  rolloutTimings,
  setDeployOutputs,
  traceFromEnvironment,
  openRemoteShell,
  writeSummary,
  type DeployReport,
} from '@sophia/kubernetes';

import { getInputs } from './input-helper.js';

export async function main(): Promise<void> {
  const settings = getInputs();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();

  const manifests = await reportingManifestProblems(() => {
    const loaded = loadManifests({ patterns: settings.manifests, cwd: workspace, namespace: settings.namespace });
    return prepareManifests(loaded, { images: settings.images, trace: traceFromEnvironment(), warn: core.warning });
  });
  const files = new Set(manifests.map((m) => m.file)).size;
  core.info(`Loaded ${manifests.length} objects from ${files} manifest file${files === 1 ? '' : 's'}`);

  const kubectl = await connectKubectl(settings.connection, { remoteShell: openRemoteShell, trace: core.debug });
  let report: DeployReport | undefined;
  try {
    report = await deployManifests(kubectl, manifests, {
      serverSide: settings.serverSide,
      fieldManager: settings.fieldManager,
      rolloutTimeoutMs: settings.rolloutTimeoutMs,
      rollbackOnFailure: settings.rollbackOnFailure,
      dryRun: settings.dryRun,
      ...rolloutTimings(settings.rolloutTimeoutMs),
      log: core.info,
    });
  } catch (error) {
    if (error instanceof DeployFailedError) report = error.report;
    throw error;
  } finally {
    if (report) {
      setDeployOutputs(report);
      logDryRunDiff(report);
      logRolloutDiagnostics(report);
      await writeSummary(deployReportMarkdown('deploy-k3s-backend', report));
    }
    await kubectl.close();
  }
}
