import type { Publication } from '@sophia/action-runtime';
import { formatDiagnostics, workloadKey, type RollbackOutcome } from '@sophia/kubernetes';
import type { HostRollback } from '@sophia/releases';
import { failedMarkdown, markdownTable, markdownText } from '@sophia/reporting';

// The rollback action's outputs and job summary, for both components, also on failure. Type-only
// imports of @sophia/releases: the release flow and the SSH stack load only for a frontend rollback.

/** One id when every host agrees (the usual case), else a JSON object host label (`host:port`) -> id. */
export function perHostOutput(hosts: HostRollback[], pick: (host: HostRollback) => string | undefined): string {
  const values = new Set(hosts.map((host) => pick(host) ?? ''));
  if (values.size === 1) return [...values][0];
  return JSON.stringify(Object.fromEntries(hosts.map((host) => [host.label, pick(host) ?? ''])));
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
    summary: `### Rollback of ${markdownText(target)}\n\n${table}`,
  };
}

/**
 * A rollback that failed before any host changed (refused, locked, unreachable): `switched` false,
 * the other outputs empty (no host was read), and why.
 */
export function notRolledBackPublication(error: unknown, target: string) {
  return {
    outputs: { from: '', to: '', live: '', switched: 'false' },
    summary: `### Rollback of ${markdownText(target)}\n\nNo host was changed.\n\n${failedMarkdown(error)}\n`,
  } satisfies Publication;
}

/**
 * What a Kubernetes rollback leaves as it is, said in every summary: `kubectl rollout undo` puts
 * back a workload's pod template only. Unlike a deploy that fails (which restores the objects it
 * configured from what it read before applying), a rollback started by hand has no record of what
 * an earlier deploy changed, so restoring other objects would be a guess.
 */
export const KUBERNETES_ROLLBACK_SCOPE =
  "Only the workloads' pod templates were rolled back. ConfigMaps, Secrets, Services, Ingresses and every other " +
  "object, and the workloads' other fields (replicas, strategy), stay as the last deploy left them: to put those " +
  'back too, deploy the commit you want to return to.';

/**
 * Outputs `from`/`to` (JSON objects workload -> revision, for every workload rolled back or already
 * live), failed rollouts' diagnostics, and the summary; also for a rollback that an error stopped
 * after its first undo (RollbackOutcome.interrupted), whose table says which workloads were rolled back.
 */
export function kubernetesRollbackPublication(outcomes: RollbackOutcome[], namespace: string | undefined) {
  // A workload the rollback stopped before undoing was not rolled back: it is in neither output.
  const moved = outcomes.filter((outcome) => !outcome.interrupted || outcome.interrupted.undone);
  const by = (pick: (outcome: RollbackOutcome) => number) =>
    JSON.stringify(Object.fromEntries(moved.map((outcome) => [workloadKey(outcome.ref), String(pick(outcome))])));
  const table = markdownTable(
    ['Workload', 'From', 'To', 'Result'],
    outcomes.map((outcome) => [
      workloadKey(outcome.ref),
      outcome.from,
      outcome.to,
      outcome.alreadyLive
        ? 'already live'
        : outcome.interrupted
          ? outcome.interrupted.undone
            ? `rolled back${outcome.markedFailed ? `, revision ${outcome.from} marked failed` : ''}; then the rollback stopped before its rollout was seen: ${outcome.interrupted.reason}`
            : `not rolled back: the rollback stopped: ${outcome.interrupted.reason}`
          : outcome.rollout?.ok
            ? `rolled out${outcome.markedFailed ? `, revision ${outcome.from} marked failed` : ''}`
            : `rollout failed: ${outcome.rollout?.reason ?? ''}`,
    ]),
  );
  const failed = outcomes.flatMap((outcome) => (outcome.rollout && !outcome.rollout.ok ? [outcome.rollout] : []));
  const where = namespace ? ` in namespace ${markdownText(namespace)}` : '';
  return {
    outputs: { from: by((outcome) => outcome.from), to: by((outcome) => outcome.to) },
    logGroups: [{ title: 'Rollout diagnostics', lines: failed.map(formatDiagnostics) }],
    summary: `### Kubernetes rollback${where}\n\n${table}\n${KUBERNETES_ROLLBACK_SCOPE}\n`,
  };
}

/**
 * What a Kubernetes rollback that failed before anything changed tells (a refused plan, no
 * connection, a workload not found): `from` and `to` as empty JSON objects, and a summary saying
 * no workload was changed and why.
 */
export function notRolledBackKubernetesPublication(error: unknown, namespace: string | undefined) {
  const where = namespace ? ` in namespace ${markdownText(namespace)}` : '';
  return {
    outputs: { from: '{}', to: '{}' },
    summary: `### Kubernetes rollback${where}\n\nNo workload was changed.\n\n${failedMarkdown(error)}\n`,
  };
}
