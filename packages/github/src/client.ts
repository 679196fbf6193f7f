import { getOctokit } from '@actions/github';

/** The octokit @actions/github builds: REST endpoint methods and pagination. */
export type Octokit = ReturnType<typeof getOctokit>;

/** A token and the repository it acts on; every operation of this package takes one. */
export interface GitHubRepository {
  readonly octokit: Octokit;
  readonly owner: string;
  readonly repo: string;
}

/** How `githubRepository` reaches GitHub: the token, the repository and the REST API root. */
export interface GitHubRepositoryOptions {
  /** A GITHUB_TOKEN or another token; sent only in the Authorization header, never in messages. */
  token: string;
  /** `owner/name`; default GITHUB_REPOSITORY, which the runner sets to the workflow's repository. */
  repository?: string;
  /**
   * The REST API root; default GITHUB_API_URL (the runner sets it: https://api.github.com, or a
   * GitHub Enterprise Server's `/api/v3`), else https://api.github.com.
   */
  apiUrl?: string;
}

/**
 * A client for one repository. The API root is read here, at call time, rather than left to
 * @actions/github, which reads GITHUB_API_URL once when it is first imported.
 * Throws TypeError when the token is empty or the repository is not `owner/name`.
 */
export function githubRepository(options: GitHubRepositoryOptions): GitHubRepository {
  if (!options.token) throw new TypeError("A GitHub token is required (the job's GITHUB_TOKEN, for example)");
  // An empty variable counts as unset, as runContext (action-runtime) reads the runner's variables.
  const repository = options.repository || process.env.GITHUB_REPOSITORY || '';
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(repository);
  if (!match) {
    throw new TypeError(`repository must be "owner/name" (or GITHUB_REPOSITORY set), got "${repository}"`);
  }
  const baseUrl = (options.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  return { octokit: getOctokit(options.token, { baseUrl }), owner: match[1], repo: match[2] };
}

/**
 * A refusal because a rate limit was reached, not for want of a permission (GitHub docs, "Rate
 * limits for the REST API": HTTP 403 or 429, with `x-ratelimit-remaining: 0` for the primary
 * limit, or a `retry-after` header or a message naming a secondary rate limit).
 */
export interface GitHubRateLimit {
  /** `primary`: the token's hourly requests are used up; `secondary`: too many too fast. */
  kind: 'primary' | 'secondary';
  /** When the primary limit resets (`x-ratelimit-reset`), if GitHub said. */
  resetAt?: Date;
  /** Seconds GitHub asks to wait (`retry-after`), if it said. */
  retryAfterSeconds?: number;
}

/**
 * A GitHub REST call that failed: the operation (this package's function), the HTTP status (0
 * when no answer came) and GitHub's own message, with the field errors of a 422. The token is
 * never part of it.
 */
export class GitHubApiError extends Error {
  constructor(
    /** This package's operation, such as `upsertPullRequestComment`. */
    readonly operation: string,
    /** The HTTP status of GitHub's answer; 0 when the request got none (network failure). */
    readonly status: number,
    /** GitHub's `message` field, or the network error's message. */
    readonly githubMessage: string,
    /** Set when the refusal is a rate limit: a 403 then says nothing about the token's permissions. */
    readonly rateLimit?: GitHubRateLimit,
  ) {
    const limited = rateLimit ? ` (${describeRateLimit(rateLimit)})` : '';
    super(`${operation}: GitHub answered ${status === 0 ? 'nothing' : `HTTP ${status}`}: ${githubMessage}${limited}`);
    this.name = 'GitHubApiError';
  }
}

/**
 * A rate limit in words: which limit, until when (UTC, to the second) or how long GitHub asks to
 * wait, and that it is not a missing permission. Example: "rate limited: this token's API requests
 * are used up until 2026-01-01 01:00:00 UTC; not a missing permission".
 */
export function describeRateLimit(rateLimit: GitHubRateLimit): string {
  const until =
    rateLimit.resetAt &&
    ` until ${rateLimit.resetAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}`;
  const asks = rateLimit.retryAfterSeconds !== undefined && `; GitHub asks to wait ${rateLimit.retryAfterSeconds} s`;
  // A primary limit lasts until its reset; a secondary one as long as retry-after says, when it says.
  const wait = (rateLimit.kind === 'primary' ? until || asks : asks || until) || '';
  const what =
    rateLimit.kind === 'primary'
      ? "rate limited: this token's API requests are used up"
      : 'rate limited: too many requests in a short time (a secondary rate limit)';
  return `${what}${wait}; not a missing permission`;
}

/** Response headers as octokit gives them: lower-case names. */
type OctokitHeaders = Record<string, string | number | undefined>;

interface OctokitFailure {
  status?: number;
  message?: string;
  response?: { data?: unknown; headers?: OctokitHeaders };
}

/** The rate limit a refusal reports, read as GitHub's docs describe it (see GitHubRateLimit); undefined for any other refusal. */
function rateLimitOf(
  status: number,
  message: string,
  headers: OctokitHeaders | undefined,
): GitHubRateLimit | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const header = (name: string): string | undefined => {
    const value = headers?.[name];
    return value === undefined ? undefined : String(value);
  };
  const retryAfter = Number(header('retry-after'));
  const retryAfterSeconds = Number.isFinite(retryAfter) && header('retry-after') !== undefined ? retryAfter : undefined;
  const exhausted = header('x-ratelimit-remaining') === '0';
  const reset = Number(header('x-ratelimit-reset'));
  const resetAt = exhausted && Number.isFinite(reset) && reset > 0 ? new Date(reset * 1000) : undefined;
  // The message first, as octokit's throttling plugin reads it: a secondary limit's answer may also
  // carry x-ratelimit-remaining: 0 (GitHub docs, "Exceeding the secondary rate limit").
  if (/\bsecondary rate\b/i.test(message)) return { kind: 'secondary', resetAt, retryAfterSeconds };
  if (exhausted) return { kind: 'primary', resetAt, retryAfterSeconds };
  if (retryAfterSeconds !== undefined) return { kind: 'secondary', retryAfterSeconds };
  return undefined;
}

/** Runs one operation's requests, turning octokit's failures into GitHubApiError. */
export async function calling<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof GitHubApiError) throw error;
    const failure = error as OctokitFailure;
    const data = failure.response?.data as { message?: unknown; errors?: unknown } | undefined;
    if (typeof failure.status === 'number' && failure.response) {
      const detail = Array.isArray(data?.errors) && data.errors.length > 0 ? ` ${JSON.stringify(data.errors)}` : '';
      const message = typeof data?.message === 'string' ? data.message : (failure.message ?? '');
      const rateLimit = rateLimitOf(failure.status, message, failure.response.headers);
      throw new GitHubApiError(operation, failure.status, `${message}${detail}`, rateLimit);
    }
    // octokit reports a request that got no answer as status 500 without a response.
    throw new GitHubApiError(operation, 0, failure.message ?? String(error));
  }
}

/**
 * The hidden HTML comment that identifies what this suite wrote (`<!-- sophia-<kind>:<key> -->`),
 * so it is found again by content rather than by title or position.
 * Throws TypeError when the key could end the comment or break the line.
 */
export function marker(kind: 'deploy-plan' | 'alert', key: string): string {
  if (!/^[A-Za-z0-9._/:@+-]+$/.test(key) || key.includes('--')) {
    throw new TypeError(`marker key must be letters, digits and . _ / : @ + - (no "--"), got "${key}"`);
  }
  return `<!-- sophia-${kind}:${key} -->`;
}

/** A REST list method of octokit (such as `octokit.rest.repos.listDeployments`) whose answer is an array. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any octokit endpoint's own parameter type must fit
export type ListMethod = (params: any) => Promise<{ data: unknown[] }>;

/** What a list method is asked, less what `pagesOf` sends itself (owner, repo, page size). */
export type ListQuery<M extends ListMethod> = Omit<
  NonNullable<Parameters<M>[0]>,
  'owner' | 'repo' | 'per_page' | 'page'
>;

/** One item of what a list method answers (such as one deployment's JSON). */
export type ListItem<M extends ListMethod> = Awaited<ReturnType<M>>['data'][number];

/**
 * The pages of a REST list of the repository, 100 items each (GitHub's largest page), read only as
 * the caller iterates: octokit follows each answer's `Link: rel="next"` header (GitHub docs, "Using
 * pagination in the REST API"). Errors are octokit's: the caller runs it inside `calling`.
 */
export function pagesOf<M extends ListMethod>(
  github: GitHubRepository,
  method: M,
  query: ListQuery<M>,
): AsyncIterable<ListItem<M>[]> {
  const { octokit, owner, repo } = github;
  // octokit types `iterator` per route, which a generic M cannot name; M's own types keep what the cast forgets.
  const iterator = octokit.paginate.iterator as unknown as (
    method: M,
    params: object,
  ) => AsyncIterable<{ data: unknown[] }>;
  const pages = iterator(method, { ...query, owner, repo, per_page: 100 });
  return {
    async *[Symbol.asyncIterator]() {
      for await (const page of pages) yield page.data as ListItem<M>[];
    },
  };
}

/** Every item of a REST list of the repository, all pages read (see `pagesOf`). */
export async function listAll<M extends ListMethod>(
  github: GitHubRepository,
  method: M,
  query: ListQuery<M>,
): Promise<ListItem<M>[]> {
  const items: ListItem<M>[] = [];
  for await (const page of pagesOf(github, method, query)) items.push(...page);
  return items;
}
