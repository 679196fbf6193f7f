import { NOT_DEPLOYED_OUTPUTS } from '@sophia/kubernetes';
import type { OutputValue } from '@sophia/action-runtime';

/**
 * The outputs this action sets when nothing ran (an input refused, a cancel before the step published, no
 * node found): those of a Kubernetes deploy that applied nothing, and no workload. A subset of action.yml's
 * outputs, as the README's "When nothing runs" says; `node` (what `node-address` names) and `plan` are
 * left unset.
 */
export const NOT_RUN_OUTPUTS: Readonly<Record<string, OutputValue>> = { ...NOT_DEPLOYED_OUTPUTS, workloads: [] };
