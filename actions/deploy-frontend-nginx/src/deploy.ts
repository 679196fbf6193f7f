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
  type ReleaseOrigin,
  type SwitchJournal,
} from '@sophia/releases';
import { describeValue } from '@sophia/inputs';
import type { FrontendDeploySettings } from './input-helper.js';

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
}

function inWorkspace(workspace: string, path: string): string {
  return isAbsolute(path) ? path : resolve(workspace, path);
}

/** The build and the site config template as the inputs name them, read before any host is reached. */
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
 * The deploy as the runbook reads: check the build, verify and connect every host, then the
 * release flow (lock, delta upload, config test, switch everywhere or nowhere, smoke, prune).
 * @throws FrontendDeployFailedError (carrying the report) when a host failed once the deploy
 *   began; any other error before anything changed on a host.
 */
export async function deployFromSettings(
  settings: FrontendDeploySettings,
  options: DeployOptions = {},
): Promise<FrontendDeployReport> {
  const release = await checkBuild(settings, options.workspace ?? workspaceDir());
  const { ssh, source: _source, nginxConfig: _template, dryRun: _dryRun, ...request } = settings;
  return withReleaseHosts(ssh, actionLog, (hosts) =>
    actionLog.group(`Release ${settings.releaseId} on every host`, async () => {
      const report = await deployFrontend(
        {
          ...request,
          ...release,
          origin: options.origin ?? releaseOrigin(runContext()),
          lockToken: options.lockToken,
          journal: options.journal,
          log: options.log,
        },
        hosts,
      );
      actionLog.info(`${settings.releaseId} is live on ${hosts.length} host${hosts.length === 1 ? '' : 's'}`);
      return report;
    }),
  );
}

/** readRelease in the log group of the first phase, saying what was found. */
function checkBuild(settings: FrontendDeploySettings, workspace: string): ReturnType<typeof readRelease> {
  return actionLog.group('Check the build', async () => {
    const release = await readRelease(settings, workspace);
    actionLog.info(
      `${release.manifest.entries.filter((entry) => entry.type === 'file').length} files in ${settings.source}${settings.nginxConfig ? `; site config template ${settings.nginxConfig.template}` : ''}`,
    );
    return release;
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
  const release = await checkBuild(settings, options.workspace ?? workspaceDir());
  return withReleaseHosts(settings.ssh, actionLog, (hosts) =>
    planFrontend(
      { ...release, target: settings.target, releaseId: settings.releaseId, serverNames: settings.serverNames },
      hosts,
    ),
  );
}
