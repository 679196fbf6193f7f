import * as core from '@actions/core';

/**
 * Appends Markdown to the job summary; a no-op outside a runner (no GITHUB_STEP_SUMMARY). Not
 * exported from the package: actions write their summary through a `Publication`.
 */
export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}
