import { actionLog, runContext, stepState } from '@sophia/action-runtime';
import {
  releaseOrigin,
  rememberDeployLock,
  rollbackFrontend,
  withReleaseHosts,
  type HostRollback,
} from '@sophia/releases';

// For the runbook, which loads this module (and the release flow) only for a frontend rollback.
export { FrontendRollbackFailedError } from '@sophia/releases';
import type { FrontendRollbackSettings } from './input-helper.js';

/**
 * Switches every host back (all or none, under the deploy lock), connecting all first and closing all after.
 * @throws FrontendRollbackFailedError (carrying every host's outcome) when a switch failed or the release
 *   rolled back from could not be marked failed; any other error before any host changed.
 */
export async function rollBackEveryHost(settings: FrontendRollbackSettings): Promise<HostRollback[]> {
  const { component: _component, ssh, ...request } = settings;
  const { lockToken, journal } = rememberDeployLock(stepState, settings.target);
  return withReleaseHosts(ssh, actionLog, (hosts) =>
    rollbackFrontend(
      {
        ...request,
        lockToken,
        journal,
        origin: releaseOrigin(runContext()),
        // Hosts switch in parallel: their lines are live at debug level only, and folded per host afterwards.
        log: actionLog.debug,
        warn: actionLog.warning,
      },
      hosts,
    ),
  );
}
