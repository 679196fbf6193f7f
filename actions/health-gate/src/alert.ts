import type { Publication } from '@sophia/action-runtime';
import { AlertAuthorError, authorMismatch, GitHubApiError, githubRepository, syncAlertIssue } from '@sophia/github';
import { failureSignature, type HealthReport } from '@sophia/health-check';
import { markdownText } from '@sophia/reporting';
import { healthSummary } from './summary.js';
import type { AlertSettings } from './input-helper.js';

/** The outputs about the alert issue: what was done (`failed` when GitHub refused) and its page. */
type AlertPublication = Publication & { outputs: { alert: string; 'alert-issue-url': string } };

/**
 * Keeps the alert issue in step with the report (see syncAlertIssue): its text is the rendered
 * report and a link to the run; a failure is told apart from those already reported by its
 * failureSignature. Returns the outputs `alert` and `alert-issue-url`, and a warning when GitHub
 * shows another author than `alert-author` for an issue it opened.
 * Throws GitHubApiError when GitHub refuses (a token without `issues: write`, say): see alertFailure.
 */
export async function keepAlertIssue(
  alert: AlertSettings,
  report: HealthReport,
  runUrl: string,
): Promise<AlertPublication> {
  const github = githubRepository({ token: alert.token });
  const key = markdownText(alert.key);
  const verdict = report.healthy ? `**${key}** is healthy again.` : `**${key}** is unhealthy.`;
  const body = [verdict, runUrl && `Checked by [this run](${runUrl}).`, healthSummary(report)]
    .filter(Boolean)
    .join('\n\n');
  const { action, issue, author } = await syncAlertIssue(
    github,
    { label: alert.label, key: alert.key, author: alert.author, title: `Health alert: ${alert.key} is unhealthy` },
    {
      healthy: report.healthy,
      body,
      state: failureSignature(report),
      remindAfterSeconds: alert.reminderMs / 1000,
      reopenWithinSeconds: alert.reopenWindowMs / 1000,
      closeAfterChecks: alert.closeAfter,
    },
  );
  const mismatch = author && authorMismatch(`Alert issue #${issue!.number}`, author, 'alert-author', alert.author);
  return { outputs: { alert: action, 'alert-issue-url': issue?.htmlUrl ?? '' }, warnings: mismatch ? [mismatch] : [] };
}

/** What to do about a GitHub refusal, by its status (GitHub docs, "Troubleshooting the REST API"). */
function hintFor(error: unknown): string {
  // Its message says which alert-author to set; another run would refuse again.
  if (error instanceof AlertAuthorError) return 'Nothing else was written.';
  const status = error instanceof GitHubApiError ? error.status : -1;
  if (status === 401) return 'GitHub refused the token: check `github-token`.';
  // A rate limit (its words are in the message) is not a missing permission: the next run tries again.
  if (error instanceof GitHubApiError && error.rateLimit) return 'The next run tries again.';
  if (status === 403) {
    return "The token may not write issues: grant `issues: write` in the job's `permissions:` (and in the calling workflow's), or give a token that has it.";
  }
  if (status === 404) {
    return 'GitHub does not show this token the repository (GITHUB_REPOSITORY) or its issues: check that issues are enabled, that the token belongs to this repository, and that it has `issues: write`.';
  }
  if (status === 0) return 'GitHub could not be reached: the next run tries again.';
  return 'The next run tries again.';
}

/**
 * The outputs and summary when the alert issue could not be kept: `alert` is `failed`, and the
 * summary says what failed and what to check. Returns the message the step fails with.
 */
export function alertFailure(error: unknown): { publication: AlertPublication; message: string } {
  const what = error instanceof Error ? error.message : String(error);
  const message = `The alert issue could not be kept: ${what}. ${hintFor(error)}`;
  return {
    publication: {
      outputs: { alert: 'failed', 'alert-issue-url': '' },
      // GitHub's answer is quoted: text, never Markdown of its own.
      summary: `### Alert issue\n\n⚠️ **Not kept**: ${markdownText(what, 2000)}\n\n${hintFor(error)}\n`,
    },
    message,
  };
}
