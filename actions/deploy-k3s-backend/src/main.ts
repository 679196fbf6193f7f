import * as core from '@actions/core';
import {
  connectKubectl,
  deployAndReport,
  loadManifests,
  prepareManifests,
  reportingManifestProblems,
  traceFromEnvironment,
  openRemoteShell,
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
  try {
    await deployAndReport(kubectl, manifests, settings, 'deploy-k3s-backend');
  } finally {
    await kubectl.close();
  }
}
