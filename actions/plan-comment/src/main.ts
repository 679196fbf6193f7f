import { actionLog, publish, runUrl } from '@sophia/action-runtime';
import {
  authorMismatch,
  GitHubApiError,
  githubRepository,
  pullRequestCommentBodyLimit,
  upsertPullRequestComment,
} from '@sophia/github';
import { getInputs } from './input-helper.js';
import { planSections, plansMarkdown } from './plans.js';

/**
 * The runbook: read the plans; in mode `section`, publish them as this job's bounded sections;
 * else render them with the sections of other jobs, write the pull request's one plan comment, report.
 */
export async function main(): Promise<void> {
  const settings = getInputs();
  if (settings.mode === 'section') {
    const { sections, truncated } = planSections(
      settings.plans,
      settings.environments,
      pullRequestCommentBodyLimit(settings.key),
    );
    if (truncated)
      actionLog.warning(
        "The plans are longer than this job's share of the comment (65536 characters): they are cut there",
      );
    actionLog.info(
      `Rendered the plan sections of ${sections.map((entry) => entry.environment).join(', ') || 'no environment'}`,
    );
    await publish({
      outputs: { sections: sections.map((entry) => JSON.stringify(entry)).join('\n'), truncated },
    });
    return;
  }
  const { body, truncated } = plansMarkdown(
    settings.plans,
    settings.sections,
    settings.failed,
    runUrl(),
    pullRequestCommentBodyLimit(settings.key),
  );
  if (truncated)
    actionLog.warning(
      'The plans are longer than a comment may be (65536 characters): the longest environments are cut',
    );
  const comment = await upsertPullRequestComment(githubRepository({ token: settings.token }), {
    pullNumber: settings.pullNumber,
    key: settings.key,
    body,
    author: settings.author,
  }).catch((error: unknown) => {
    throw withPermissionHint(error);
  });
  const mismatch =
    comment.created && authorMismatch('The plan comment', comment.author, 'comment-author', settings.author);
  if (mismatch) actionLog.warning(mismatch);
  actionLog.info(`${comment.created ? 'Created' : 'Updated'} the plan comment: ${comment.htmlUrl}`);
  await publish({
    outputs: { 'comment-id': comment.id, 'comment-url': comment.htmlUrl, created: comment.created, truncated },
    summary: `Deploy plans ${comment.created ? 'posted' : 'updated'} on pull request #${settings.pullNumber}: ${comment.htmlUrl}\n`,
  });
}

/**
 * A 403 from GitHub explained: the token lacks the right to comment, which is what a pull request
 * run from a fork or by Dependabot gets (a read-only GITHUB_TOKEN, no secrets; GitHub docs,
 * "Automatic token authentication" and "Troubleshooting Dependabot on GitHub Actions"), or a job
 * without `pull-requests: write`. Other errors, a 403 for a rate limit among them, pass unchanged.
 */
export function withPermissionHint(error: unknown): unknown {
  // A rate limit says so in the message already; it is no missing permission.
  if (!(error instanceof GitHubApiError) || error.status !== 403 || error.rateLimit) return error;
  error.message +=
    '. The token may not write this comment: a pull request from a fork or by Dependabot gets a read-only token (skip those in the calling workflow), or the job lacks `permissions: pull-requests: write`';
  return error;
}
