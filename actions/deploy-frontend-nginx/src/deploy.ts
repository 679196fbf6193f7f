import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { actionLog, runContext, workspaceDir } from '@sophia/action-runtime';
import {
  deployFrontend,
  planFrontend,
  releaseOrigin,
  scanSource,
  withReleaseHosts,
  type FileManifest,
  type FrontendDeployReport,
  type FrontendDeployRequest,
  type FrontendPlan,
  type ReleaseHost,
  type ReleaseOrigin,
  type SwitchJournal,
} from '@sophia/releases';
import { describeValue } from '@sophia/reporting';
import { hostLabel, sshTargetsFrom } from '@sophia/ssh';
import type { FrontendDeploySettings } from './input-helper.js';
import { ManifestCache } from './manifest-cache.js';

/**
 * What the frontend action adds to its settings for one deploy: the checkout, the run's origin, and the lock token and
 * switch journal its post step uses to clean up after a cancelled run.
 */
export interface DeployOptions {
  /** Where relative `source` and `nginx-config` paths start: the runner's checkout. */
  workspace?: string;
  origin?: ReleaseOrigin;
  /** The deploy lock's token, when the caller must be able to free the locks from elsewhere. */
  lockToken?: string;
  /** Where the switch is noted as it proceeds, for the post step (see `rememberDeployLock`). */
  journal?: SwitchJournal;
  log?: (line: string) => void;
  /** The run's cancel, and what to do with the report at once when it comes (see FrontendDeployRequest). */
  signal?: AbortSignal;
  onCancelled?: FrontendDeployRequest['onCancelled'];
}

function inWorkspace(workspace: string, path: string): string {
  return isAbsolute(path) ? path : resolve(workspace, path);
}

/** The build and the site config template as the inputs name them, read before anything runs on a host. */
async function readRelease(
  settings: FrontendDeploySettings,
  workspace: string,
): Promise<{ sourceRoot: string; manifest: FileManifest; nginxConfig?: FrontendDeployRequest['nginxConfig'] }> {
  const sourceRoot = inWorkspace(workspace, settings.source);
  const manifest = await scanSource(sourceRoot);
  const template = settings.nginxConfig
    ? await readFile(inWorkspace(workspace, settings.nginxConfig.template), 'utf8').catch(
        (error: NodeJS.ErrnoException) => {
          throw new Error(
            `Input "nginx-config" names ${describeValue(settings.nginxConfig?.template ?? '')}, which cannot be read (${error.code ?? error.message})`,
          );
        },
      )
    : undefined;
  const config = settings.nginxConfig;
  return {
    sourceRoot,
    manifest,
    nginxConfig:
      config && template !== undefined
        ? { template, templateName: config.template, remotePath: config.remotePath }
        : undefined,
  };
}

/**
 * Reads the build while every host is connected, then runs `work` with both. Scanning and hashing
 * the build is CPU work and the SSH handshakes are round trips (five of them per host), so neither
 * waits for the other. A build or template that cannot be read fails at once, whatever the
 * connections do: they run no command and are closed as soon as they are made. A connection error
 * is reported once the build has been read. The build check's log group follows the connections'
 * group, since both ran side by side and groups cannot interleave. `signal`, the run's cancel, ends
 * the connections still being made.
 * @throws the build's or template's error first, then what `withReleaseHosts` or `work` throws.
 */
async function withReleaseAndHosts<T>(
  settings: FrontendDeploySettings,
  workspace: string,
  work: (release: Awaited<ReturnType<typeof readRelease>>, hosts: ReleaseHost[]) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const reading = readRelease(settings, workspace);
  const connected = withReleaseHosts(
    settings.ssh,
    actionLog,
    async (hosts) => {
      const release = await reading;
      await reportBuild(settings, release);
      return work(release, hosts);
    },
    signal,
  );
  // Awaited below only when the build was read; a bad build's error must not also surface as unhandled here.
  connected.catch(() => undefined);
  await reading;
  return connected;
}

/**
 * The deploy as the runbook reads: check the build while every host is verified and connected, then the
 * release flow (lock, delta upload, config test, switch everywhere or nowhere, smoke, prune).
 * @throws FrontendDeployFailedError (carrying the report) when a host failed once the deploy
 *   began; any other error before anything changed on a host.
 */
export async function deployFromSettings(
  settings: FrontendDeploySettings,
  options: DeployOptions = {},
): Promise<FrontendDeployReport> {
  const { ssh, source: _source, nginxConfig: _template, dryRun: _dryRun, cache, ...request } = settings;
  const kept = await ManifestCache.restore(
    sshTargetsFrom(ssh).map((target) => ({ label: hostLabel(target), target: settings.target })),
    cache,
    actionLog,
  );
  let built: FileManifest | undefined;
  const report = await withReleaseAndHosts(
    settings,
    options.workspace ?? workspaceDir(),
    (release, hosts) => {
      built = release.manifest;
      // No group here: the hosts work in parallel, so their lines are folded per host when the report is published.
      return deployFrontend(
        {
          ...request,
          ...release,
          origin: options.origin ?? releaseOrigin(runContext()),
          lockToken: options.lockToken,
          journal: options.journal,
          log: options.log,
          signal: options.signal,
          onCancelled: options.onCancelled,
          knownManifest: kept.known,
        },
        hosts,
      );
    },
    options.signal,
  );
  if (built) await kept.keep(report, () => settings.target, built);
  return report;
}

/** The log group saying what the build check found, once the build was read (see withReleaseAndHosts). */
function reportBuild(
  settings: FrontendDeploySettings,
  release: Awaited<ReturnType<typeof readRelease>>,
): Promise<void> {
  return actionLog.group('Check the build', async () => {
    actionLog.info(
      `${release.manifest.entries.filter((entry) => entry.type === 'file').length} files in ${settings.source}${settings.nginxConfig ? `; site config template ${settings.nginxConfig.template}` : ''}`,
    );
  });
}

/**
 * The plan (`dry-run: true`): check the build, verify and connect every host, and read what the
 * deploy would change on each, changing nothing (see planFrontend).
 * @throws the error of a build, template or host that cannot be read; nothing is changed either way.
 */
export async function planFromSettings(
  settings: FrontendDeploySettings,
  options: Pick<DeployOptions, 'workspace'> = {},
): Promise<FrontendPlan> {
  return withReleaseAndHosts(settings, options.workspace ?? workspaceDir(), (release, hosts) =>
    planFrontend(
      { ...release, target: settings.target, releaseId: settings.releaseId, serverNames: settings.serverNames },
      hosts,
    ),
  );
}
