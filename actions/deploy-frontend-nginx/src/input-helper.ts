import type { SshConnectRequest } from '@sophia/ssh';
import { actionInputs, runContext } from '@sophia/action-runtime';
import {
  boolean,
  commandLine,
  duration,
  httpUrl,
  InputError,
  integer,
  readSshInputs,
  releaseId,
  remotePath,
  SSH_SECRET_INPUTS,
  workspacePath,
  mustBe,
  type Parser,
} from '@sophia/inputs';
import type { FrontendDeployRequest } from '@sophia/releases';

/**
 * A remote directory that also lands in nginx's config (`root {{root}};`), where spaces, `;`,
 * quotes or `$` would change the config's meaning: only plain path characters are accepted.
 * Commands never see it unquoted either way; this keeps mistakes and attacks out of nginx.
 */
const plainRemotePath: Parser<string> = (name, raw) => {
  const path = remotePath(name, raw);
  if (!/^[A-Za-z0-9._@+,=:/-]+$/.test(path)) {
    throw mustBe(name, 'an absolute path of letters, digits and . _ - @ + , = : / only', raw);
  }
  return path;
};

/**
 * One nginx server name: a host name, optionally with a leading `*.` or `.` or a trailing `.*`
 * (nginx's wildcard forms), or `_`. Regular-expression names (`~...`) are not taken: they would
 * bring `$`, `(`, `{` into the config, which would change its meaning.
 */
const serverName: Parser<string> = (name, raw) => {
  if (!/^(_|(\*\.|\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(\.\*)?)$/.test(raw)) {
    throw mustBe(name, 'host names (optionally *.name, .name or name.*) separated by spaces, commas or new lines', raw);
  }
  return raw;
};

const serverNames: Parser<string[]> = (name, raw) =>
  raw
    .split(/[\s,]+/)
    .filter((entry) => entry.length > 0)
    .map((entry) => serverName(name, entry));

/**
 * The release request as the inputs give it (a blank nginx-test-command or nginx-reload-command
 * skips that step), plus where the build and the template are and which hosts to reach.
 */
export interface FrontendDeploySettings extends Pick<
  FrontendDeployRequest,
  | 'target'
  | 'releaseId'
  | 'keepReleases'
  | 'serverNames'
  | 'nginxTestCommand'
  | 'nginxReloadCommand'
  | 'smokeUrl'
  | 'lockTimeoutMs'
> {
  ssh: SshConnectRequest;
  /** Local directory whose contents become the release. */
  source: string;
  /** Template in the repository and where it goes on the host; both or neither. */
  nginxConfig?: { template: string; remotePath: string };
  /** Plan only: read the hosts and publish what the deploy would do, changing nothing. */
  dryRun: boolean;
  /** Keep each target's live manifest in the runner's cache and offer it to the next deploy (see manifest-cache.ts). */
  cache: boolean;
}

/** `<UTC yyyymmddHHMMSS>-<short sha>`: sorts by time, and names the commit it was built from. */
export function defaultReleaseId(now: Date, sha = runContext().commit): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const shortSha = sha.slice(0, 7);
  return shortSha ? `${stamp}-${shortSha}` : stamp;
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs(), now = new Date()): FrontendDeploySettings {
  reader.maskSecrets(...SSH_SECRET_INPUTS);
  const ssh = readSshInputs(reader);
  const source = reader.required('source', workspacePath);
  const target = reader.required('target', plainRemotePath);
  const id = reader.optional('release-id', releaseId) ?? defaultReleaseId(now);
  const keepReleases = reader.required('keep-releases', integer(1, 100));
  const template = reader.optional('nginx-config', workspacePath);
  const configPath = reader.optional('nginx-config-path', plainRemotePath);
  if (template !== undefined && configPath === undefined) {
    throw new InputError('nginx-config-path', 'Input "nginx-config-path" is required when "nginx-config" is given');
  }
  if (template === undefined && configPath !== undefined) {
    throw new InputError('nginx-config', 'Input "nginx-config" is required when "nginx-config-path" is given');
  }
  return {
    ssh,
    source,
    target,
    releaseId: id,
    keepReleases,
    nginxConfig: template !== undefined && configPath !== undefined ? { template, remotePath: configPath } : undefined,
    serverNames: reader.optional('server-names', serverNames),
    nginxTestCommand: reader.optional('nginx-test-command', commandLine),
    nginxReloadCommand: reader.optional('nginx-reload-command', commandLine),
    smokeUrl: reader.optional('smoke-url', httpUrl),
    lockTimeoutMs: reader.required('lock-timeout', duration({ maxMs: 3_600_000 })),
    dryRun: reader.required('dry-run', boolean),
    cache: reader.required('cache', boolean),
  };
}
