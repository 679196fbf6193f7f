import { actionLog, runContext, stepState } from '@sophia/action-runtime';
import { releaseOrigin, rememberDeployLock, rollbackFrontend, type HostRollback } from '@sophia/releases';
import { markdownTable } from '@sophia/reporting';
import { connectSsh, sshTargetsFrom, withSessions } from '@sophia/ssh';
import type { FrontendRollbackSettings } from './input-helper.js';

/** The host as the user wrote it, port included when given (two hosts may share an address). */
function hostName(host: { host: string; port?: number }): string {
  if (host.port === undefined) return host.host;
  return host.host.includes(':') ? `[${host.host}]:${host.port}` : `${host.host}:${host.port}`;
}

/** One id when every host agrees (the usual case), else a JSON object host -> id. */
export function perHostOutput(hosts: HostRollback[], pick: (host: HostRollback) => string | undefined): string {
  const values = new Set(hosts.map((host) => pick(host) ?? ''));
  if (values.size === 1) return [...values][0];
  return JSON.stringify(Object.fromEntries(hosts.map((host) => [host.host, pick(host) ?? ''])));
}

/** Switches every host back (all or none, under the deploy lock), connecting all first and closing all after. */
export async function frontendRollback(settings: FrontendRollbackSettings): Promise<HostRollback[]> {
  const targets = sshTargetsFrom(settings.ssh);
  return withSessions(targets, actionLog, (sessions) =>
    rollbackFrontend(
      {
        target: settings.target,
        to: settings.to,
        markFailed: settings.markFailed,
        nginxReloadCommand: settings.nginxReloadCommand,
        lockTimeoutMs: settings.lockTimeoutMs,
        lockToken: rememberDeployLock(stepState, settings.target),
        origin: releaseOrigin(runContext()),
        log: actionLog.info,
        warn: actionLog.warning,
      },
      sessions.map((session, index) => ({
        name: hostName(settings.ssh.hosts[index]),
        session,
        reconnect: () => connectSsh(targets[index], actionLog),
      })),
    ),
  );
}

/** Outputs `from`/`to` and the summary table of a frontend rollback of `target`. */
export function frontendRollbackPublication(hosts: HostRollback[], target: string) {
  const table = markdownTable(
    ['Host', 'From', 'To', 'Result'],
    hosts.map((host) => [
      host.label,
      host.from ?? '–',
      host.to,
      host.alreadyLive ? 'already live' : `switched${host.markedFailed ? `, ${host.from} marked failed` : ''}`,
    ]),
  );
  return {
    outputs: { from: perHostOutput(hosts, (host) => host.from), to: perHostOutput(hosts, (host) => host.to) },
    summary: `### Rollback of ${target}\n\n${table}`,
  };
}
