import { formatBytes, markdownCode, markdownDetails, markdownTable, markdownText } from '@sophia/reporting';
import type { FrontendPlan, HostPlan, PathChanges } from './plan.js';

function changesCell(changes: Pick<PathChanges, 'count' | 'bytes'>): string {
  return changes.count === 0 ? '-' : `${changes.count} (${formatBytes(changes.bytes)})`;
}

/** One host's lists, folded: the first paths of each kind of change, and files changed on the server. */
function hostDetails(host: HostPlan): string {
  const list = (title: string, changes: PathChanges) =>
    changes.count === 0
      ? []
      : [
          `**${title}** (${changes.count}${changes.count > changes.paths.length ? `, the first ${changes.paths.length}` : ''}):`,
          '',
          ...changes.paths.map((path) => `- ${markdownCode(path)}`),
          '',
        ];
  const lines = [
    ...list('Added', host.added),
    ...list('Changed', host.changed),
    ...list('Removed', host.removed),
    ...(host.drifted.length > 0
      ? [
          `**Changed on the server since it was deployed** (compared as they are now): ${host.drifted.map((path) => markdownCode(path)).join(', ')}`,
          '',
        ]
      : []),
  ];
  if (lines.length === 0) return '';
  return markdownDetails(`${host.label}: the paths`, lines.join('\n'));
}

function configCell(host: HostPlan): string {
  return host.nginxConfig ? `${host.nginxConfig.change} (${host.nginxConfig.path})` : 'not managed';
}

/** What would stop or hold up the deploy, one line per blocker, each naming its host (`host:port: ...`). */
export function frontendPlanBlockers(plan: FrontendPlan): string[] {
  return plan.hosts.flatMap((host) => host.blockers.map((blocker) => `${host.label}: ${blocker}`));
}

/**
 * A frontend plan in Markdown (the plan job's summary, a pull request's plan comment): the build,
 * per host what would be added, changed, removed, kept and sent and the nginx config, the
 * blockers, then each host's first paths folded in `<details>`. Sizes as `formatBytes` gives them.
 * File names come from the build being planned (a pull request's): each path is a code span of
 * markdownCode and every other value text of markdownText, so no name can end its line or open
 * HTML that hides the rest of the plan.
 */
export function frontendPlanMarkdown(plan: FrontendPlan): string {
  const table = markdownTable(
    ['Host', 'Live now', 'Added', 'Changed', 'Removed', 'Unchanged', 'Would send', 'nginx config'],
    plan.hosts.map((host) => [
      host.label,
      (host.liveRelease || 'nothing') + (host.liveKnown ? '' : ' (no manifest on record)'),
      host.alreadyLive ? 'already live' : changesCell(host.added),
      changesCell(host.changed),
      changesCell(host.removed),
      changesCell(host.unchanged),
      host.upload.files === 0 ? 'nothing' : `${host.upload.files} files (${formatBytes(host.upload.bytes)})`,
      configCell(host),
    ]),
  );
  const blockers = frontendPlanBlockers(plan);
  return [
    `### Frontend plan for release ${markdownText(plan.releaseId)} (dry run: nothing was changed)`,
    '',
    `The build: ${plan.build.files} files, ${formatBytes(plan.build.bytes)}.`,
    '',
    table,
    ...blockers.map((blocker) => `**Would stop or wait:** ${markdownText(blocker, 1000)}\n`),
    ...plan.hosts.map(hostDetails).filter(Boolean),
  ].join('\n');
}
