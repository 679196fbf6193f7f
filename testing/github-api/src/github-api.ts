/**
 * A stand-in for the part of GitHub's REST API the suite calls: issues (and pull requests as
 * issues), issue comments, labels on issues, deployments and deployment statuses. A real HTTP
 * server on loopback, stateful, answering with GitHub's response shapes, status codes and
 * pagination (`Link` headers), so the real client (@actions/github's octokit) runs unchanged
 * against it: point it here with GITHUB_API_URL. Every request is recorded for assertions.
 *
 * Sources of the behaviour: GitHub's REST reference (docs.github.com/rest: "Issues", "Issue
 * comments", "Labels", "Deployments", "Deployment statuses", "Using pagination in the REST API").
 */
import type http from 'node:http';
import { startServer, type TestServer } from '@sophia-testing/http-servers';

/** One request as the stand-in received it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query, such as `/repos/sophia/sophia-app/issues/1/comments`. */
  path: string;
  query: Record<string, string>;
  /** The JSON body, parsed; undefined when there was none. */
  body: unknown;
  /** The token of the Authorization header (`token X` or `Bearer X`), undefined without one. */
  token?: string;
}

/** A repository's token permissions as a job's `permissions:` grants them, scope -> level. */
export type TokenPermissions = Partial<Record<'issues' | 'pull-requests' | 'deployments', 'read' | 'write' | 'none'>>;

export interface GitHubApiOptions {
  /**
   * Tokens the stand-in accepts, each with its permissions; a request without one of them gets
   * 401, one whose token lacks the scope 403 (GitHub's "Resource not accessible by
   * integration"). Without this option any request is accepted, as with a token that may do all.
   */
  tokens?: Record<string, TokenPermissions>;
  /**
   * Who each token acts as, token -> login: what it writes carries that author, and it may edit
   * only comments of that author (403 otherwise). A token not listed acts as
   * `github-actions[bot]`, as a job's GITHUB_TOKEN does; a login ending in `[bot]` is a Bot (a
   * GitHub App's installation token), any other a User (a personal access token).
   */
  identities?: Record<string, string>;
}

/** A comment's or issue's author as GitHub shows it (`user`). */
interface User {
  login: string;
  id: number;
  type: 'Bot' | 'User';
}

export interface IssueRecord {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'duplicate' | 'reopened' | null;
  labels: string[];
  /** True for a pull request: GitHub serves pull requests through the issues endpoints too. */
  pullRequest: boolean;
  user: User;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  user: User;
  created_at: string;
  updated_at: string;
}

export interface DeploymentStatusRecord {
  id: number;
  state: string;
  description: string;
  environment: string;
  log_url: string;
  environment_url: string;
  created_at: string;
}

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  task: string;
  payload: unknown;
  environment: string;
  original_environment: string;
  description: string | null;
  transient_environment: boolean;
  production_environment: boolean;
  created_at: string;
  /** Oldest first. */
  statuses: DeploymentStatusRecord[];
}

/** The state of one repository; tests may read it and seed it (pull requests, branches). */
export interface RepositoryState {
  owner: string;
  name: string;
  id: number;
  /** Branch or tag name -> commit SHA; a deployment's ref must be one of these or a full SHA. */
  refs: Record<string, string>;
  issues: IssueRecord[];
  comments: CommentRecord[];
  deployments: DeploymentRecord[];
  /** Opens a pull request (number shared with issues, as on GitHub) and returns its number. */
  addPullRequest(title: string): number;
  /** Adds a comment by someone else (a reviewer, another bot) to an issue or pull request. */
  addComment(issueNumber: number, body: string, login?: string): void;
  /** Opens an issue as someone else (default `octocat`, a User) and returns its number. */
  addIssue(fields: { title: string; body: string; labels?: string[]; login?: string }): number;
}

export interface GitHubApi {
  /** The API root to put in GITHUB_API_URL, such as `http://127.0.0.1:41234`. */
  url: string;
  /** Every request, in the order received. */
  requests: RecordedRequest[];
  /** The repository `owner/name`, created (empty, branch `main`) on first use; others answer 404. */
  repository(fullName: string): RepositoryState;
  /**
   * The next `count` requests (default 1; 0 ends a limit set before) answer as GitHub does when a rate limit is reached
   * (GitHub docs, "Rate limits for the REST API"): HTTP 403 with `x-ratelimit-remaining: 0` and
   * `x-ratelimit-reset` (epoch seconds) for the primary limit, or with `retry-after` (seconds),
   * "You have exceeded a secondary rate limit" and the same two headers for a secondary one.
   */
  rateLimitNext(kind: 'primary' | 'secondary', count?: number): void;
  stop(): Promise<void>;
}

/** The identity the stand-in's tokens act as: GITHUB_TOKEN acts as this app bot on GitHub. */
const BOT: User = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

const DOCS = 'https://docs.github.com/rest';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: unknown[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The seconds since the epoch at which the stand-in's primary rate limit resets: a fixed time, an hour on from 2026-01-01. */
export const RATE_LIMIT_RESET_EPOCH_SECONDS = Date.UTC(2026, 0, 1, 1) / 1000;

function rateLimited(kind: 'primary' | 'secondary'): HttpError {
  return kind === 'primary'
    ? new HttpError(403, 'API rate limit exceeded for installation ID 1000.', undefined, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(RATE_LIMIT_RESET_EPOCH_SECONDS),
        'x-ratelimit-resource': 'core',
      })
    : new HttpError(
        403,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
        undefined,
        // GitHub may send the primary limit's headers with a secondary limit too.
        {
          'retry-after': '60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(RATE_LIMIT_RESET_EPOCH_SECONDS),
        },
      );
}

/** GitHub's 422 for an invalid field: "Validation Failed" with one error naming the resource and field. */
function invalid(resource: string, field: string, code = 'missing_field'): HttpError {
  return new HttpError(422, 'Validation Failed', [{ resource, field, code }]);
}

const notFound = (): HttpError => new HttpError(404, 'Not Found');

const CLOSE_REASONS = ['completed', 'not_planned', 'duplicate', 'reopened'];
const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

/** GitHub's limit on an issue's or comment's body (characters). */
const BODY_LIMIT = 65536;

export async function startGitHubApi(options: GitHubApiOptions = {}): Promise<GitHubApi> {
  const requests: RecordedRequest[] = [];
  const repositories = new Map<string, RepositoryState>();
  const limitedNext: Array<'primary' | 'secondary'> = [];
  let nextId = 1000;
  const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const repository = (fullName: string): RepositoryState => {
    const key = fullName.toLowerCase();
    const existing = repositories.get(key);
    if (existing) return existing;
    const [owner, name] = fullName.split('/');
    const state: RepositoryState = {
      owner,
      name,
      id: ++nextId,
      refs: { main: 'a'.repeat(40) },
      issues: [],
      comments: [],
      deployments: [],
      addPullRequest(title) {
        return createIssue(state, { title, pullRequest: true }).number;
      },
      addIssue({ title, body, labels, login = 'octocat' }) {
        return createIssue(state, { title, body, labels, user: personOf(login) }).number;
      },
      addComment(issueNumber, body, login = 'octocat') {
        const at = now();
        const user = personOf(login);
        state.comments.push({ id: ++nextId, issueNumber, body, user, created_at: at, updated_at: at });
      },
    };
    repositories.set(key, state);
    return state;
  };

  /** Someone a test writes as: a Bot when the login ends in `[bot]`, else a User. */
  const personOf = (login: string): User => ({
    login,
    id: hash(login),
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
  });

  const createIssue = (
    repo: RepositoryState,
    fields: { title: string; body?: string | null; labels?: string[]; pullRequest?: boolean; user?: User },
  ): IssueRecord => {
    const issue: IssueRecord = {
      id: ++nextId,
      number: repo.issues.length + 1,
      title: fields.title,
      body: fields.body ?? null,
      state: 'open',
      state_reason: null,
      labels: [...new Set(fields.labels ?? [])],
      pullRequest: fields.pullRequest ?? false,
      user: fields.user ?? BOT,
      created_at: now(),
      updated_at: now(),
      closed_at: null,
    };
    repo.issues.push(issue);
    return issue;
  };

  const identities = new Map<string, User>();
  /** The user a request's token acts as (GITHUB_TOKEN's bot unless `identities` names another). */
  const actor = (recorded: RecordedRequest): User => {
    const login = recorded.token === undefined ? undefined : options.identities?.[recorded.token];
    if (login === undefined) return BOT;
    let user = identities.get(login);
    if (!user) {
      user = { login, id: hash(login), type: login.endsWith('[bot]') ? 'Bot' : 'User' };
      identities.set(login, user);
    }
    return user;
  };

  const server: TestServer = await startServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', server.origin);
      const raw = Buffer.concat(chunks).toString();
      let body: unknown;
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: undefined,
        token: tokenOf(request),
      };
      requests.push(recorded);
      try {
        if (raw !== '') {
          try {
            body = JSON.parse(raw);
          } catch {
            throw new HttpError(400, 'Problems parsing JSON');
          }
          recorded.body = body;
        }
        const limit = limitedNext.shift();
        if (limit) throw rateLimited(limit);
        const answer = route(recorded, url, (body ?? {}) as Record<string, unknown>);
        send(response, answer.status, answer.body, answer.link);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        send(
          response,
          error.status,
          {
            message: error.message,
            ...(error.errors ? { errors: error.errors } : {}),
            documentation_url: DOCS,
            status: String(error.status),
          },
          undefined,
          error.headers,
        );
      }
    });
  });

  const api = (path: string): string => `${server.origin}${path}`;
  const repoUrl = (repo: RepositoryState): string => api(`/repos/${repo.owner}/${repo.name}`);

  function authorize(recorded: RecordedRequest, scopes: Array<keyof TokenPermissions>, write: boolean): void {
    if (!options.tokens) return;
    if (recorded.token === undefined) throw new HttpError(401, 'Requires authentication');
    const permissions = options.tokens[recorded.token];
    if (!permissions) throw new HttpError(401, 'Bad credentials');
    const enough = (level: string | undefined): boolean => level === 'write' || (!write && level === 'read');
    if (!scopes.some((scope) => enough(permissions[scope]))) {
      throw new HttpError(403, 'Resource not accessible by integration');
    }
  }

  const labelJson = (repo: RepositoryState, name: string): object => ({
    id: hash(name),
    node_id: `LA_${hash(name)}`,
    url: `${repoUrl(repo)}/labels/${encodeURIComponent(name)}`,
    name,
    color: 'ededed',
    default: false,
    description: null,
  });

  const userJson = (user: User): object => ({
    login: user.login,
    id: user.id,
    type: user.type,
    url: api(`/users/${encodeURIComponent(user.login)}`),
  });

  const issueJson = (repo: RepositoryState, issue: IssueRecord): object => ({
    id: issue.id,
    node_id: `I_${issue.id}`,
    url: `${repoUrl(repo)}/issues/${issue.number}`,
    repository_url: repoUrl(repo),
    comments_url: `${repoUrl(repo)}/issues/${issue.number}/comments`,
    html_url: `https://github.com/${repo.owner}/${repo.name}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`,
    number: issue.number,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    state_reason: issue.state_reason,
    locked: false,
    labels: issue.labels.map((name) => labelJson(repo, name)),
    user: userJson(issue.user),
    comments: repo.comments.filter((comment) => comment.issueNumber === issue.number).length,
    created_at: issue.created_at,
    updated_at: issue.updated_at,
    closed_at: issue.closed_at,
    ...(issue.pullRequest
      ? {
          pull_request: {
            url: `${repoUrl(repo)}/pulls/${issue.number}`,
            html_url: `https://github.com/${repo.owner}/${repo.name}/pull/${issue.number}`,
          },
        }
      : {}),
  });

  const commentJson = (repo: RepositoryState, comment: CommentRecord): object => {
    const issue = repo.issues.find((item) => item.number === comment.issueNumber);
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${repoUrl(repo)}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/${issue?.pullRequest ? 'pull' : 'issues'}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${repoUrl(repo)}/issues/${comment.issueNumber}`,
      body: comment.body,
      user: userJson(comment.user),
      author_association: 'NONE',
      created_at: comment.created_at,
      updated_at: comment.updated_at,
    };
  };

  const deploymentJson = (repo: RepositoryState, deployment: DeploymentRecord): object => ({
    url: `${repoUrl(repo)}/deployments/${deployment.id}`,
    id: deployment.id,
    node_id: `DE_${deployment.id}`,
    sha: deployment.sha,
    ref: deployment.ref,
    task: deployment.task,
    payload: deployment.payload,
    original_environment: deployment.original_environment,
    environment: deployment.environment,
    description: deployment.description,
    creator: userJson(BOT),
    created_at: deployment.created_at,
    updated_at: deployment.statuses.at(-1)?.created_at ?? deployment.created_at,
    statuses_url: `${repoUrl(repo)}/deployments/${deployment.id}/statuses`,
    repository_url: repoUrl(repo),
    transient_environment: deployment.transient_environment,
    production_environment: deployment.production_environment,
  });

  const statusJson = (repo: RepositoryState, deployment: DeploymentRecord, status: DeploymentStatusRecord): object => ({
    url: `${repoUrl(repo)}/deployments/${deployment.id}/statuses/${status.id}`,
    id: status.id,
    node_id: `DES_${status.id}`,
    state: status.state,
    creator: userJson(BOT),
    description: status.description,
    environment: status.environment,
    target_url: status.log_url,
    log_url: status.log_url,
    environment_url: status.environment_url,
    created_at: status.created_at,
    updated_at: status.created_at,
    deployment_url: `${repoUrl(repo)}/deployments/${deployment.id}`,
    repository_url: repoUrl(repo),
  });

  /** One page of `items` and GitHub's Link header for the others (per_page default 30, at most 100). */
  function page<T>(url: URL, items: T[]): { body: T[]; link?: string } {
    const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
    const number = Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const at = (n: number): string => {
      const target = new URL(url.href);
      target.searchParams.set('page', String(n));
      return target.href;
    };
    const links: string[] = [];
    if (number > 1) links.push(`<${at(number - 1)}>; rel="prev"`);
    if (number < last) links.push(`<${at(number + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (number > 1) links.push(`<${at(1)}>; rel="first"`);
    return {
      body: items.slice((number - 1) * perPage, number * perPage),
      link: links.length > 0 ? links.join(', ') : undefined,
    };
  }

  function route(
    recorded: RecordedRequest,
    url: URL,
    body: Record<string, unknown>,
  ): { status: number; body: unknown; link?: string } {
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(recorded.path);
    if (!match) throw notFound();
    const repo = repositories.get(`${match[1]}/${match[2]}`.toLowerCase());
    if (!repo) throw notFound();
    const rest = match[3] ?? '';
    const method = recorded.method;
    const write = method !== 'GET';
    const issueOf = (number: string): IssueRecord => {
      const issue = repo.issues.find((item) => item.number === Number(number));
      if (!issue) throw notFound();
      return issue;
    };
    const text = (field: string, resource: string, required: boolean): string | undefined => {
      const item = body[field];
      if (item === undefined || item === null) {
        if (required) throw invalid(resource, field);
        return undefined;
      }
      if (typeof item !== 'string') throw invalid(resource, field, 'invalid');
      if (field === 'body' && item.length > BODY_LIMIT) {
        throw new HttpError(422, 'Validation Failed', [
          {
            resource,
            field,
            code: 'custom',
            message: `body is too long (maximum is ${BODY_LIMIT} characters)`,
          },
        ]);
      }
      return item;
    };
    let m: RegExpExecArray | null;

    if (rest === '/issues') {
      authorize(recorded, ['issues'], write);
      if (method === 'GET') {
        const state = url.searchParams.get('state') ?? 'open';
        const labels = (url.searchParams.get('labels') ?? '').split(',').filter((name) => name !== '');
        // `creator`: the login that opened the issue (compared without case, as GitHub compares logins).
        const creator = url.searchParams.get('creator')?.toLowerCase();
        const found = repo.issues
          .filter((issue) => state === 'all' || issue.state === state)
          .filter((issue) => creator === undefined || issue.user.login.toLowerCase() === creator)
          .filter((issue) =>
            labels.every((name) => issue.labels.some((own) => own.toLowerCase() === name.toLowerCase())),
          )
          .sort((a, b) => b.number - a.number);
        // GitHub's `sort` (created, the default, or updated) and `direction` (default desc).
        if (url.searchParams.get('sort') === 'updated') {
          found.sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at) || b.number - a.number);
        }
        if (url.searchParams.get('direction') === 'asc') found.reverse();
        const one = page(url, found);
        return { status: 200, body: one.body.map((issue) => issueJson(repo, issue)), link: one.link };
      }
      if (method === 'POST') {
        const labels = body.labels;
        if (labels !== undefined && (!Array.isArray(labels) || labels.some((name) => typeof name !== 'string'))) {
          throw invalid('Issue', 'labels', 'invalid');
        }
        const issue = createIssue(repo, {
          title: text('title', 'Issue', true) as string,
          body: text('body', 'Issue', false),
          labels: labels as string[] | undefined,
          user: actor(recorded),
        });
        return { status: 201, body: issueJson(repo, issue) };
      }
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = issueOf(m[1]);
      authorize(recorded, issue.pullRequest ? ['issues', 'pull-requests'] : ['issues'], write);
      if (method === 'GET') return { status: 200, body: issueJson(repo, issue) };
      if (method === 'PATCH') {
        const title = text('title', 'Issue', false);
        const newBody = text('body', 'Issue', false);
        if (title !== undefined) issue.title = title;
        if (newBody !== undefined) issue.body = newBody;
        if (body.state !== undefined) {
          if (body.state !== 'open' && body.state !== 'closed') throw invalid('Issue', 'state', 'invalid');
          // GitHub's reasons for closing (REST reference, "Update an issue"); another is refused.
          const reason = body.state_reason;
          if (reason !== undefined && reason !== null && !CLOSE_REASONS.includes(reason as string)) {
            throw invalid('Issue', 'state_reason', 'invalid');
          }
          if (body.state === 'closed' && issue.state === 'open') {
            issue.closed_at = now();
            issue.state_reason = (body.state_reason as IssueRecord['state_reason']) ?? 'completed';
          }
          if (body.state === 'open' && issue.state === 'closed') {
            issue.closed_at = null;
            issue.state_reason = 'reopened';
          }
          issue.state = body.state;
        }
        issue.updated_at = now();
        return { status: 200, body: issueJson(repo, issue) };
      }
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = issueOf(m[1]);
      authorize(recorded, issue.pullRequest ? ['issues', 'pull-requests'] : ['issues'], write);
      if (method === 'GET') {
        const one = page(
          url,
          repo.comments.filter((comment) => comment.issueNumber === issue.number),
        );
        return { status: 200, body: one.body.map((comment) => commentJson(repo, comment)), link: one.link };
      }
      if (method === 'POST') {
        const comment: CommentRecord = {
          id: ++nextId,
          issueNumber: issue.number,
          body: text('body', 'IssueComment', true) as string,
          user: actor(recorded),
          created_at: now(),
          updated_at: now(),
        };
        repo.comments.push(comment);
        issue.updated_at = now();
        return { status: 201, body: commentJson(repo, comment) };
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = repo.comments.find((item) => item.id === Number(m![1]));
      if (!comment) throw notFound();
      const onPull = issueOf(String(comment.issueNumber)).pullRequest;
      authorize(recorded, onPull ? ['issues', 'pull-requests'] : ['issues'], write);
      if (method === 'GET') return { status: 200, body: commentJson(repo, comment) };
      if (method === 'PATCH') {
        // An integration's token edits only what it wrote itself: another author's comment is
        // refused as a missing permission, whatever the token's scopes.
        if (comment.user.login !== actor(recorded).login) {
          throw new HttpError(403, 'Resource not accessible by integration');
        }
        comment.body = text('body', 'IssueComment', true) as string;
        comment.updated_at = now();
        return { status: 200, body: commentJson(repo, comment) };
      }
    }
    if ((m = /^\/issues\/(\d+)\/labels$/.exec(rest))) {
      const issue = issueOf(m[1]);
      authorize(recorded, issue.pullRequest ? ['issues', 'pull-requests'] : ['issues'], write);
      if (method === 'POST') {
        const labels = Array.isArray(body) ? body : body.labels;
        if (!Array.isArray(labels) || labels.some((name) => typeof name !== 'string')) {
          throw invalid('Label', 'labels', 'invalid');
        }
        for (const name of labels as string[]) {
          if (!issue.labels.some((own) => own.toLowerCase() === name.toLowerCase())) issue.labels.push(name);
        }
      }
      if (method === 'GET' || method === 'POST') {
        return { status: 200, body: issue.labels.map((name) => labelJson(repo, name)) };
      }
    }
    if (rest === '/deployments') {
      authorize(recorded, ['deployments'], write);
      if (method === 'GET') {
        const filters: Array<[string, (d: DeploymentRecord) => string]> = [
          ['sha', (d) => d.sha],
          ['ref', (d) => d.ref],
          ['task', (d) => d.task],
          ['environment', (d) => d.environment],
        ];
        const found = repo.deployments
          .filter((deployment) =>
            filters.every(([name, field]) => {
              const wanted = url.searchParams.get(name);
              return wanted === null || field(deployment) === wanted;
            }),
          )
          .sort((a, b) => b.id - a.id);
        const one = page(url, found);
        return { status: 200, body: one.body.map((deployment) => deploymentJson(repo, deployment)), link: one.link };
      }
      if (method === 'POST') {
        const ref = text('ref', 'Deployment', true) as string;
        const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : repo.refs[ref];
        // GitHub's answer for a ref it cannot resolve.
        if (!sha) throw new HttpError(422, `No ref found for: ${ref}`);
        const environment = text('environment', 'Deployment', false) ?? 'production';
        const deployment: DeploymentRecord = {
          id: ++nextId,
          sha,
          ref,
          task: text('task', 'Deployment', false) ?? 'deploy',
          payload: body.payload ?? {},
          environment,
          original_environment: environment,
          description: text('description', 'Deployment', false) ?? null,
          transient_environment: body.transient_environment === true,
          production_environment:
            typeof body.production_environment === 'boolean'
              ? body.production_environment
              : environment === 'production',
          created_at: now(),
          statuses: [],
        };
        repo.deployments.push(deployment);
        return { status: 201, body: deploymentJson(repo, deployment) };
      }
    }
    if ((m = /^\/deployments\/(\d+)(\/statuses)?$/.exec(rest))) {
      authorize(recorded, ['deployments'], write);
      const deployment = repo.deployments.find((item) => item.id === Number(m![1]));
      if (!deployment) throw notFound();
      if (!m[2] && method === 'GET') return { status: 200, body: deploymentJson(repo, deployment) };
      if (m[2] && method === 'GET') {
        const one = page(url, [...deployment.statuses].reverse());
        return {
          status: 200,
          body: one.body.map((status) => statusJson(repo, deployment, status)),
          link: one.link,
        };
      }
      if (m[2] && method === 'POST') {
        const state = text('state', 'DeploymentStatus', true) as string;
        if (!DEPLOYMENT_STATES.includes(state)) throw invalid('DeploymentStatus', 'state', 'invalid');
        const environment = text('environment', 'DeploymentStatus', false);
        if (environment !== undefined) deployment.environment = environment;
        const status: DeploymentStatusRecord = {
          id: ++nextId,
          state,
          description: text('description', 'DeploymentStatus', false) ?? '',
          environment: deployment.environment,
          log_url: text('log_url', 'DeploymentStatus', false) ?? text('target_url', 'DeploymentStatus', false) ?? '',
          environment_url: text('environment_url', 'DeploymentStatus', false) ?? '',
          created_at: now(),
        };
        deployment.statuses.push(status);
        // auto_inactive (default true): "Adds a new inactive status to all prior non-transient,
        // non-production environment deployments with the same repository and environment name
        // as the created status's deployment. An inactive status is only added to deployments
        // that had a success state." (REST reference, "Create a deployment status").
        if (state === 'success' && body.auto_inactive !== false) {
          for (const prior of repo.deployments) {
            if (
              prior.id < deployment.id &&
              prior.environment === deployment.environment &&
              !prior.transient_environment &&
              !prior.production_environment &&
              prior.statuses.at(-1)?.state === 'success'
            ) {
              prior.statuses.push({ ...prior.statuses.at(-1)!, id: ++nextId, state: 'inactive', created_at: now() });
            }
          }
        }
        return { status: 201, body: statusJson(repo, deployment, status) };
      }
    }
    throw notFound();
  }

  return {
    url: server.origin,
    requests,
    repository,
    rateLimitNext(kind, count = 1) {
      limitedNext.length = 0;
      for (let index = 0; index < count; index++) limitedNext.push(kind);
    },
    stop: () => server.stop(),
  };
}

function tokenOf(request: http.IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = header ? /^(?:token|bearer)\s+(\S+)$/i.exec(header) : null;
  return match ? match[1] : undefined;
}

function send(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  link?: string,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...(link ? { link } : {}),
    ...headers,
  });
  response.end(text);
}

/** A stable numeric id for a label name (GitHub's ids are opaque numbers). */
function hash(name: string): number {
  let value = 0;
  for (const char of name.toLowerCase()) value = (value * 31 + char.charCodeAt(0)) >>> 0;
  return value;
}
