import type { Publication } from '@sophia/action-runtime';
import { githubRepository, syncAlertIssue } from '@sophia/github';
import { failureSignature, type HealthReport } from '@sophia/health-check';
import { healthSummary } from './summary.js';
import type { AlertSettings } from './input-helper.js';

/**
 * Keeps the alert issue in step with the report (see syncAlertIssue): its text is the rendered
 * report and a link to the run; a failure is told apart from the last one reported by its
 * failureSignature. Returns the outputs `alert` and `alert-issue-url`.
 * Throws GitHubApiError when GitHub refuses (a token without `issues: write`, say).
 */
export async function keepAlertIssue(
  alert: AlertSettings,
  report: HealthReport,
  runUrl: string,
): Promise<Publication & { outputs: { alert: string; 'alert-issue-url': string } }> {
  const github = githubRepository({ token: alert.token });
  const verdict = report.healthy ? `**${alert.key}** is healthy again.` : `**${alert.key}** is unhealthy.`;
  const body = [verdict, runUrl && `Checked by [this run](${runUrl}).`, healthSummary(report)]
    .filter(Boolean)
    .join('\n\n');
  const { action, issue } = await syncAlertIssue(
    github,
    { label: alert.label, key: alert.key, title: `Health alert: ${alert.key} is unhealthy` },
    {
      healthy: report.healthy,
      body,
      state: failureSignature(report),
      remindAfterSeconds: alert.reminderMs / 1000,
      reopenWithinSeconds: alert.reopenWindowMs / 1000,
    },
  );
  return { outputs: { alert: action, 'alert-issue-url': issue?.htmlUrl ?? '' } };
}
