import * as core from '@actions/core';
import { setOutputs, writeSummary } from '@sophia/action-runtime';
import { rollBackFrontend } from './frontend.js';
import { getInputs } from './input-helper.js';
import { rollBackKubernetes } from './kubernetes.js';

export async function main(): Promise<void> {
  const settings = getInputs();
  const result =
    settings.component === 'frontend' ? await rollBackFrontend(settings) : await rollBackKubernetes(settings);
  setOutputs(result.outputs);
  await writeSummary(result.summary);
  core.info(`Rolled back: from ${result.outputs.from} to ${result.outputs.to}`);
}
