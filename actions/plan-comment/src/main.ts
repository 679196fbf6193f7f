import { actionLog, publish, runUrl } from '@sophia/action-runtime';
import { githubRepository, pullRequestCommentBodyLimit, upsertPullRequestComment } from '@sophia/github';
import { getInputs } from './input-helper.js';
import { fitComment, plansMarkdown } from './plans.js';

/** The runbook: read the plans, render them, write the pull request's one plan comment, report. */
export async function main(): Promise<void> {
  const settings = getInputs();
  const { body, truncated } = fitComment(
    plansMarkdown(settings.plans, settings.failed, runUrl()),
    pullRequestCommentBodyLimit(settings.key),
  );
  if (truncated) actionLog.warning('The plans are longer than a comment may be (65536 characters): the comment is cut');
  const comment = await upsertPullRequestComment(githubRepository({ token: settings.token }), {
    pullNumber: settings.pullNumber,
    key: settings.key,
    body,
  });
  actionLog.info(`${comment.created ? 'Created' : 'Updated'} the plan comment: ${comment.htmlUrl}`);
  await publish({
    outputs: { 'comment-id': comment.id, 'comment-url': comment.htmlUrl, created: comment.created, truncated },
    summary: `Deploy plans ${comment.created ? 'posted' : 'updated'} on pull request #${settings.pullNumber}: ${comment.htmlUrl}\n`,
  });
}
