import { DEFAULT_COMMENT_AUTHOR, writtenBy } from './author.js';
import { calling, listAll, marker, type GitHubRepository } from './client.js';

/** Which pull request comment to write, and its text. */
export interface PullRequestCommentOptions {
  /** The pull request's number. */
  pullNumber: number;
  /** Which comment of this suite: one comment per key and pull request (such as `production`). */
  key: string;
  /** Markdown; the hidden marker is put before it. GitHub refuses bodies over 65536 characters (422). */
  body: string;
  /**
   * The login the token writes as: only a comment of this author is updated, so a comment anyone
   * else wrote with the marker in it is never taken over. Default DEFAULT_COMMENT_AUTHOR.
   */
  author?: string;
}

/** GitHub's longest issue or pull request comment body, in characters (a longer one is refused with 422). */
export const COMMENT_BODY_LIMIT = 65536;

/**
 * The longest `body` that `upsertPullRequestComment` can write for `key`: COMMENT_BODY_LIMIT less
 * its hidden marker line. Counted in UTF-16 code units, which are never fewer than the characters
 * GitHub counts, so a body within it is never refused for its length.
 * Throws TypeError for a bad key (as `upsertPullRequestComment`).
 */
export function pullRequestCommentBodyLimit(key: string): number {
  return COMMENT_BODY_LIMIT - marker('deploy-plan', key).length - 1;
}

/** The comment as it stands after `upsertPullRequestComment`. */
export interface PullRequestComment {
  id: number;
  /** The comment's page on github.com. */
  htmlUrl: string;
  /** Whether this call created the comment (false: it updated the existing one in place). */
  created: boolean;
  /**
   * The login GitHub shows as the comment's author. When this call created the comment and it
   * differs from the `author` asked for, later calls cannot find the comment again (they would
   * each add one): the caller should say so.
   */
  author: string;
}

/**
 * Creates the pull request's comment for `key`, or updates it in place when it exists, so a pull
 * request carries one comment per key however often it is written. The comment is found by the
 * hidden marker `<!-- sophia-deploy-plan:<key> -->` across every page of the pull request's
 * comments, among those written by `author` only (logins compared without case, as GitHub's
 * are): anyone may write the marker into a comment of their own.
 *
 * REST: GET and POST /repos/{owner}/{repo}/issues/{issue_number}/comments, PATCH
 * /repos/{owner}/{repo}/issues/comments/{comment_id} (pull request comments are issue comments).
 * Minimum token permission: `pull-requests: write` (GitHub docs, "Create an issue comment": a
 * pull request's comments need Issues or Pull requests write).
 * Throws GitHubApiError (operation `upsertPullRequestComment`); TypeError for a bad key.
 */
export async function upsertPullRequestComment(
  github: GitHubRepository,
  options: PullRequestCommentOptions,
): Promise<PullRequestComment> {
  const hidden = marker('deploy-plan', options.key);
  const body = `${hidden}\n${options.body}`;
  return calling('upsertPullRequestComment', async () => {
    const { octokit, owner, repo } = github;
    const comments = await listAll(github, octokit.rest.issues.listComments, { issue_number: options.pullNumber });
    const author = options.author ?? DEFAULT_COMMENT_AUTHOR;
    const existing = comments.find((comment) => writtenBy(comment, author) && comment.body?.includes(hidden));
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
      return { id: data.id, htmlUrl: data.html_url, created: false, author: data.user?.login ?? '' };
    }
    const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: options.pullNumber, body });
    return { id: data.id, htmlUrl: data.html_url, created: true, author: data.user?.login ?? '' };
  });
}
