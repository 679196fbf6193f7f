import { markdownCode, markdownDetails, markdownTable, markdownText, type MarkdownCell } from '@sophia/reporting';
import type { FieldChange } from './field-changes.js';
import type { KubernetesPlan } from './plan.js';
import { nodeChangeText } from './placement.js';

/** Longest value shown in a cell of the field table; the plan output keeps the whole value. */
const CELL_LIMIT = 120;

/** Longest node change shown, in UTF-16 code units: a record change quotes the suite's JSON annotation whole. */
const NODE_CHANGE_LIMIT = 1000;

/**
 * A value for a cell, as markdownText shows text that the manifests (a pull request's) control:
 * whole up to CELL_LIMIT characters, else cut with its size and digest.
 */
function cell(value: unknown): MarkdownCell {
  if (value === undefined) return { markdown: '' };
  return { markdown: markdownText(typeof value === 'string' ? value : JSON.stringify(value), CELL_LIMIT) };
}

function fieldRows(changes: FieldChange[]): Array<Array<string | MarkdownCell>> {
  return changes.map((change) => [
    { markdown: markdownCode(change.path) },
    change.op,
    cell(change.before),
    cell(change.after),
  ]);
}

/**
 * The plan's own sections of a dry run's job summary (the deploy summary above them lists every
 * object and its line diff): the counts, the image changes, the MCP placement, and each changed
 * object's fields with their values now and after (long values cut at CELL_LIMIT characters).
 * Names and values come from the manifests being planned: every one goes through markdownTable,
 * markdownText or markdownCode, so none can end its line or open HTML that hides the rest.
 */
export function kubernetesPlanMarkdown(plan: KubernetesPlan): string {
  const { created, configured, unchanged } = plan.counts;
  const parts = ['#### Plan', '', `${created} to create, ${configured} to change, ${unchanged} unchanged.`, ''];
  if (plan.images.length > 0) {
    parts.push(
      '#### Image changes',
      '',
      markdownTable(
        ['Workload', 'Container', 'Now', 'After'],
        plan.images.map((image) => [image.workload, image.container, image.from ?? '(new)', image.to]),
      ),
    );
  }
  const placement = plan.placement;
  if (placement) {
    const rows = [
      ['Node', `${placement.node} (${placement.addresses.join(', ')})`],
      ['Node selector', `${placement.nodeSelector} (${placementState(placement.label)})`],
      ...(placement.taint ? [['Taint', `${placement.taint.taint} (${placementState(placement.taint.state)})`]] : []),
      // Every workload, not cut at the usual length of one value.
      ['Workloads', { markdown: markdownText(placement.workloads.join(', '), 4000) }],
    ];
    parts.push('#### Placement', '', markdownTable(['', ''], rows));
    if (placement.nodeChanges.length > 0)
      parts.push(
        '',
        'Node changes, in the order the deploy makes them:',
        '',
        // Node names, labels and taints come from the inputs and the cluster: text, like every other value.
        ...placement.nodeChanges.map(
          (change) => `- ${markdownText(nodeChangeText(change, 'planned'), NODE_CHANGE_LIMIT)}`,
        ),
        '',
      );
  }
  const changed = plan.objects.filter((object) => object.changes && object.changes.length > 0);
  if (changed.length > 0) {
    parts.push('#### Changed fields', '');
    for (const object of changed)
      parts.push(
        markdownDetails(
          `${object.object}: ${object.changes!.length} field${object.changes!.length === 1 ? '' : 's'}`,
          markdownTable(['Field', 'Change', 'Now', 'After'], fieldRows(object.changes!)),
        ),
      );
  }
  return parts.join('\n');
}

function placementState(state: 'present' | 'added' | 'missing'): string {
  if (state === 'present') return 'the node has it';
  return state === 'added' ? 'the deploy would add it to the node' : 'MISSING on the node, and label-node is false';
}
