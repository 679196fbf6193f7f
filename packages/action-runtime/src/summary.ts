import * as core from '@actions/core';

/**
 * Appends Markdown to the job summary (or, with `overwrite`, replaces what this step wrote); a no-op outside a runner (no GITHUB_STEP_SUMMARY). Not
 * exported from the package: actions write their summary through a `Publication`.
 */
export async function writeSummary(markdown: string, overwrite = false): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  // Each step has its own GITHUB_STEP_SUMMARY file, so overwriting replaces only this step's summary.
  await core.summary.addRaw(markdown, true).write({ overwrite });
}
