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

/** `inputs` as the step's `with:` gave them; `workspace` is the job's checkout. Throws what the real action fails with. */
export type StandIn = (inputs: Record<string, string>, workspace: string) => StandInResult;

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
const buildPush: StandIn = (inputs, workspace) => {
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
const login: StandIn = (inputs) => {
  if (!inputs.username || !inputs.password) throw new Error('Username and password required');
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
