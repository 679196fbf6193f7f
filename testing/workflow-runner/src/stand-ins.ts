/**
 * Stand-ins for the third-party actions that cannot run on this machine because they need a
 * Docker daemon (none here): the image build and push of an application's pipeline. Each checks
 * what the real action refuses before it runs, and answers with the outputs the real action sets,
 * so the steps after it (the deploy) receive exactly what a build on GitHub would hand them.
 * Nothing of this suite is stood in for: our actions always run from their bundles.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** What a stand-in reports: the outputs of the real action, and what it stood in for. */
export interface StandInResult {
  outputs: Record<string, string>;
  note: string;
}

/** The job a stand-in runs in: its token, what the token may do, and the registries it logged into. */
export interface StandInJob {
  /** The run's GITHUB_TOKEN. */
  githubToken: string;
  /** The token's permissions for this job (`packages` -> `read`, `write` or `none`). */
  permissions: Record<string, string>;
  /** Owner (user or organization) of the repository the run belongs to (`github.repository`). */
  owner: string;
  /** Registry host -> the password a login step gave it, for the steps after it. */
  logins: Map<string, string>;
}

/**
 * `inputs` as the step's `with:` gave them; `workspace` is the job's checkout; `job` what the job
 * carries between steps. Throws what the real action fails with.
 */
export type StandIn = (inputs: Record<string, string>, workspace: string, job: StandInJob) => StandInResult;

/**
 * Why ghcr.io refuses a push of `tag` by this job, or undefined when it accepts it. With the run's
 * GITHUB_TOKEN a push needs `packages: write` in the job's token permissions, and the image must
 * be in the namespace of the repository's owner (GitHub docs: "Publishing and installing a package
 * with GitHub Actions", "Working with the Container registry"; "Controlling permissions for
 * GITHUB_TOKEN"). A push without a login to ghcr.io is unauthenticated. Other registries are not
 * modelled. The messages are of the kind buildx prints for the registry's answers.
 */
function ghcrRefusal(tag: string, job: StandInJob): string | undefined {
  const match = /^ghcr\.io\/([^/]+)\//i.exec(tag);
  if (!match) return undefined;
  const password = job.logins.get('ghcr.io');
  if (password === undefined) return `ERROR: failed to push ${tag}: unauthorized: authentication required`;
  if (password !== job.githubToken) return undefined;
  if (job.permissions.packages !== 'write') {
    return (
      `ERROR: failed to push ${tag}: denied: installation not allowed to Write organization package ` +
      `(the job's GITHUB_TOKEN has packages: ${job.permissions.packages ?? 'none'}; a push needs packages: write)`
    );
  }
  if (match[1].toLowerCase() !== job.owner.toLowerCase()) {
    return (
      `ERROR: failed to push ${tag}: denied: permission_denied: write_package ` +
      `(GITHUB_TOKEN pushes only to ghcr.io/${job.owner.toLowerCase()}/, the repository owner's namespace)`
    );
  }
  return undefined;
}

/** Every file under `dir` (sorted, relative), so the same context always yields the same digest. */
function contextFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .sort();
}

/**
 * The digest a pushed image gets, standing in for the registry's manifest digest: sha256 over the
 * build context's files and the Dockerfile, so a changed context is a new image and the same context
 * the same image, as with a reproducible build. Shape: `sha256:<64 hex>`.
 */
export function contextDigest(context: string, dockerfile: string): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(dockerfile));
  for (const file of contextFiles(context)) {
    hash.update(`\0${file}\0`);
    hash.update(readFileSync(path.join(context, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** docker/build-push-action (inputs and outputs of its action.yml, v7). */
const buildPush: StandIn = (inputs, workspace, job) => {
  const context = path.resolve(workspace, inputs.context || '.');
  // `file` is relative to the working directory, as buildx reads it; the default is in the context.
  const dockerfile = inputs.file ? path.resolve(workspace, inputs.file) : path.join(context, 'Dockerfile');
  if (!existsSync(context))
    throw new Error(`ERROR: failed to build: unable to prepare context: path "${inputs.context}" not found`);
  if (!existsSync(dockerfile)) {
    throw new Error(
      `ERROR: failed to build: failed to solve: failed to read dockerfile: open ${path.basename(dockerfile)}: no such file or directory`,
    );
  }
  const tags = (inputs.tags ?? '')
    .split(/[\n,]/)
    .map((tag) => tag.trim())
    .filter(Boolean);
  const push = inputs.push === 'true';
  if (push && tags.length === 0) throw new Error('ERROR: failed to build: tag is needed when pushing to registry');
  const refusal = push ? tags.map((tag) => ghcrRefusal(tag, job)).find(Boolean) : undefined;
  if (refusal) throw new Error(refusal);
  const digest = contextDigest(context, dockerfile);
  return {
    outputs: {
      digest,
      imageid: digest,
      metadata: JSON.stringify({ 'containerimage.digest': digest, 'image.name': tags.join(',') }),
    },
    note: `stands in for docker buildx (no Docker here): ${push ? 'pushed' : 'built'} ${tags.join(', ') || 'an untagged image'} as ${digest}`,
  };
};

/** docker/login-action: the real one fails when a username or password is empty. */
const login: StandIn = (inputs, _workspace, job) => {
  if (!inputs.username || !inputs.password) throw new Error('Username and password required');
  job.logins.set((inputs.registry || 'docker.io').toLowerCase(), inputs.password);
  return { outputs: {}, note: `stands in for docker login to ${inputs.registry || 'Docker Hub'} (no Docker here)` };
};

/** docker/setup-buildx-action: nothing to set up without a daemon. */
const setupBuildx: StandIn = () => ({
  outputs: { name: 'builder-local', driver: 'docker-container', platforms: 'linux/amd64' },
  note: 'stands in for setting up a buildx builder (no Docker here)',
});

/** By `owner/repo` of the action reference; any version. */
export const DOCKER_STAND_INS: Record<string, StandIn> = {
  'docker/build-push-action': buildPush,
  'docker/login-action': login,
  'docker/setup-buildx-action': setupBuildx,
};
