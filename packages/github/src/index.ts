export {
  githubRepository,
  GitHubApiError,
  describeRateLimit,
  type GitHubRateLimit,
  type GitHubRepository,
  type GitHubRepositoryOptions,
  type Octokit,
} from './client.js';
export * from './author.js';
export * from './pull-request-comment.js';
export * from './alert-issue.js';
export * from './deployments.js';
export * from './deployment-record.js';
export * from './deploy-outcome.js';
