import { actionLog, runContext, stepState, type Publication } from '@sophia/action-runtime';
import {
  releaseOrigin,
  rememberDeployLock,
  rollbackFrontend,
  withReleaseHosts,
  type HostRollback,
} from '@sophia/releases';
import { markdownTable } from '@sophia/reporting';

// For the runbook, which loads this module (and the release flow) only for a frontend rollback.
export { FrontendRollbackFailedError } from '@sophia/releases';
import type { FrontendRollbackSettings } from './input-helper.js';

/** One id when every host agrees (the usual case), else a JSON object host label (`host:port`) -> id. */
export function perHostOutput(hosts: HostRollback[], pick: (host: HostRollback) => string | undefined): string {
  const values = new Set(hosts.map((host) => pick(host) ?? ''));
  if (values.size === 1) return [...values][0];
  return JSON.stringify(Object.fromEntries(hosts.map((host) => [host.label, pick(host) ?? ''])));
}

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

function resultOf(host: HostRollback): string {
  switch (host.outcome) {
    case 'switched':
      return `switched${host.markedFailed ? `, ${host.from} marked failed` : ''}${host.error ? `; ${host.error}` : ''}`;
    case 'already live':
      return 'already live';
    case 'put back':
      return `switched, then put back on ${host.from ?? 'nothing'} (another host failed)`;
    case 'not switched':
      return host.error ? `not switched: ${host.error}` : 'not switched';
    case 'unknown':
      return `unknown: ${host.error ?? ''}`;
  }
}

/**
 * The release a host serves after the rollback: `to` once it switched (or already served it), `from`
 * when it was never switched or was put back, empty when that is unknown (it could not be put back).
 */
function liveAfter(host: HostRollback): string | undefined {
  switch (host.outcome) {
    case 'switched':
    case 'already live':
      return host.to;
    case 'put back':
    case 'not switched':
      return host.from;
    case 'unknown':
      return undefined;
  }
}

/**
 * `true` when some host may serve another release than before the rollback: it switched, or it is
 * unknown what it serves (a caller must then not take the release rolled back from as live).
 */
function switchedAny(hosts: HostRollback[]): string {
  return String(hosts.some((host) => host.outcome === 'switched' || host.outcome === 'unknown'));
}

/**
 * Outputs `from`/`to` (what the rollback aimed for), `live`/`switched` (what it left serving), one log
 * group per host and the summary table of a frontend rollback of `target`.
 */
export function frontendRollbackPublication(hosts: HostRollback[], target: string) {
  const table = markdownTable(
    ['Host', 'From', 'To', 'Result'],
    hosts.map((host) => [host.label, host.from ?? '–', host.to, resultOf(host)]),
  );
  return {
    outputs: {
      from: perHostOutput(hosts, (host) => host.from),
      to: perHostOutput(hosts, (host) => host.to),
      live: perHostOutput(hosts, liveAfter),
      switched: switchedAny(hosts),
    },
    logGroups: hosts.map((host) => ({ title: host.label, lines: [...host.log, resultOf(host)] })),
    summary: `### Rollback of ${target}\n\n${table}`,
  };
}

/**
 * A rollback that failed before any host changed (refused, locked, unreachable): `switched` false,
 * the other outputs empty (no host was read), and why.
 */
export function notRolledBackPublication(error: unknown, target: string) {
  const message = error instanceof Error ? error.message : String(error);
  return {
    outputs: { from: '', to: '', live: '', switched: 'false' },
    summary: `### Rollback of ${target}\n\nNo host was changed.\n\n**Failed:** ${message}\n`,
  } satisfies Publication;
}
