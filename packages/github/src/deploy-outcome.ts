/**
 * What a deploy run left serving, from what its jobs reported, never from the absence of a failed
 * job: a component counts as put back only when its rollback job succeeded or its own deploy
 * reported the rollback it made; a job that was cancelled, or a rollback that failed, leaves what
 * is served unknown.
 */

/** What one component's jobs of a deploy run reported, as deploy.yml's record job passes them. */
export interface ComponentRun {
  /** `true` when the deploy job started its steps (a job rejected by reviewers or skipped never does). */
  ran: string;
  /** The deploy job's result: `success`, `failure`, `cancelled` or `skipped`. */
  deploy: string;
  /**
   * The Kubernetes deploy's `changed` output: JSON array of the workloads it changed; `[]` when it
   * changed none (nothing for a rollback to undo). Absent for the frontend.
   */
  changed?: string;
  /**
   * The Kubernetes deploy's `changed-objects` output: JSON array of every object of any kind it
   * created or configured, `[]` when the cluster was left as it was. Only this says whether the
   * deploy changed anything: `changed` leaves out created workloads and every other kind (a
   * ConfigMap, a Service, an Ingress). Absent for the frontend.
   */
  changedObjects?: string;
  /**
   * The Kubernetes deploy's `rollbacks` output after a failed rollout: JSON object, workload ->
   * `{result}` with `restored`, `failed` or `skipped`. Absent for the frontend, whose failed deploy
   * leaves the release live before it (the action switches only after every check passed).
   */
  rollbacks?: string;
  /** The result of the component's rollback job: `success`, `failure`, `cancelled` or `skipped`. */
  rollback: string;
}

/**
 * Where one component stands after the run: `new` (this run's release serves), `previous` (what
 * served before the run serves again), `unchanged` (its deploy succeeded with nothing to change:
 * what this run asked for serves, and it is also what served before), `untouched` (its deploy never
 * ran: not asked for, not approved, or stopped before it started), `partial` (its rollback job put
 * its changed workloads back, but other objects this run created or configured stay: the rollback
 * action undoes workload revisions only), `unknown`.
 */
export type ComponentState = 'new' | 'previous' | 'unchanged' | 'partial' | 'untouched' | 'unknown';

/**
 * The run's outcome for its deployment record:
 * - `live`: this run's deployment is what serves (`checked`: the health gate passed; otherwise the
 *   gate did not finish, such as a run cancelled during it), whether its deploys changed something
 *   or found every component as asked already;
 * - `live-unhealthy`: this run's deployment is what serves, and its health gate failed: nothing
 *   put back what it changed, because what it changed is no workload revision (a ConfigMap, a
 *   Service, a created workload), and the rollback undoes workload revisions only;
 * - `restored`: everything it changed was put back (or it changed nothing and its gate failed, or
 *   its deploys never ran), the deployment before it serves again;
 * - `unknown`: some component's state is unknown, or some serve this run's release and others
 *   the one before: no deployment record names what serves.
 */
export interface DeployOutcome {
  served: 'live' | 'live-unhealthy' | 'restored' | 'unknown';
  checked: boolean;
  components: Record<string, ComponentState>;
  /** For the deployment status (GitHub keeps 140 characters); with `live-unhealthy`, the `failure` one. */
  description: string;
  /**
   * With `live-unhealthy`: for the `success` status that follows the `failure` one, so that the
   * record GitHub shows as active is the one that serves and still says its gate failed.
   */
  liveDescription?: string;
}

/**
 * One component's state. A Kubernetes component (one with `changed`) is `unchanged` only when its
 * `changedObjects` is `[]`, and `previous` after its rollback job only when every object it
 * changed is a workload of `changed` (what that job undoes); `changed`, `changedObjects` or
 * `rollbacks` that are not JSON arrays/objects count as unknown.
 */
export function componentState(run: ComponentRun): ComponentState {
  if (run.ran !== 'true') return 'untouched';
  if (run.deploy === 'success') {
    if (run.rollback === 'failure' || run.rollback === 'cancelled') return 'unknown';
    if (run.changed === undefined) return run.rollback === 'success' ? 'previous' : 'new';
    const workloads = jsonStrings(run.changed);
    const objects = jsonStrings(run.changedObjects ?? '');
    if (!workloads || !objects) return 'unknown';
    // Nothing created or configured: what this run asked for is what served before.
    if (objects.length === 0) return 'unchanged';
    if (run.rollback !== 'success') return 'new';
    return objects.every((object) => workloads.includes(object)) ? 'previous' : 'partial';
  }
  if (run.deploy !== 'failure') return 'unknown';
  if (run.rollbacks === undefined) return 'previous';
  try {
    const rollbacks = JSON.parse(run.rollbacks || '{}') as Record<string, { result?: string }>;
    return Object.values(rollbacks).some((each) => each.result !== 'restored' && each.result !== 'skipped')
      ? 'unknown'
      : 'previous';
  } catch {
    return 'unknown';
  }
}

/**
 * The outcome of a deploy run from its components' jobs and its health gate's result (`success`,
 * `failure`, `cancelled` or `skipped`) and `healthy` output.
 */
export function deployOutcome(
  components: Record<string, ComponentRun>,
  gate: { result: string; healthy: string },
): DeployOutcome {
  const states = Object.fromEntries(
    Object.entries(components).map(([name, run]) => [name, componentState(run)]),
  ) as Record<string, ComponentState>;
  const touched = Object.values(states).filter((state) => state !== 'untouched');
  const list = (state: ComponentState) =>
    Object.keys(states)
      .filter((name) => states[name] === state)
      .join(', ');
  const checked = gate.result === 'success' && gate.healthy === 'true';
  // A release serving unchecked is still the one live. Of GitHub's deployment states (REST "Create a
  // deployment status"), only `success` makes a deployment the environment's active one; `error`
  // and `failure` say it did not go live, `inactive` that something replaced it. So `live` becomes
  // `success`, and the description says the health gate did not finish.
  // An `unchanged` component serves what this run asked for and what served before alike: it
  // agrees with either record, and decides neither.
  if (
    touched.length > 0 &&
    touched.every((state) => state === 'new' || state === 'unchanged') &&
    gate.result !== 'failure'
  ) {
    const unchanged = touched.every((state) => state === 'unchanged');
    return {
      served: 'live',
      checked,
      components: states,
      description: checked
        ? unchanged
          ? 'Deployed: every component was already as asked'
          : 'Deployed'
        : `Live without a finished health gate (run ${gate.result === 'cancelled' ? 'cancelled' : 'stopped'} before it ended): ${list('new') || list('unchanged')}`,
    };
  }
  if (touched.every((state) => state === 'previous' || state === 'unchanged')) {
    const changedNothing = touched.length > 0 && touched.every((state) => state === 'unchanged');
    return {
      served: 'restored',
      checked,
      components: states,
      description:
        touched.length === 0
          ? 'Deploy failed or was not approved: nothing of it stayed live'
          : changedNothing
            ? 'Health gate failed: this run changed nothing, what served before still serves'
            : gate.result === 'failure'
              ? 'Health gate failed: what this run changed was rolled back'
              : 'Deploy failed: what this run changed was put back',
    };
  }
  // A failed gate rolls back only workloads with a new revision (deploy.yml): a component that
  // changed other objects only (a ConfigMap, a created workload) still serves what this run made,
  // which failed its gate. That is this run's deployment, live though unhealthy: the one before
  // no longer serves, whatever its record said.
  if (gate.result === 'failure' && touched.every((state) => state === 'new' || state === 'unchanged')) {
    return {
      served: 'live-unhealthy',
      checked,
      components: states,
      description: `Health gate failed, not rolled back (a rollback undoes workload revisions only): this run's ${list('new')} serves`,
      liveDescription: `Live with a failed health gate: this run's ${list('new')} serves (nothing rolled it back)`,
    };
  }
  const parts = [
    ['this run', list('new')],
    ['put back', list('previous')],
    ['workloads put back, its other changes stay', list('partial')],
    ['unchanged', list('unchanged')],
    ['unknown (a rollback failed or was cancelled)', list('unknown')],
  ]
    .filter(([, names]) => names !== '')
    .map(([what, names]) => `${what}: ${names}`);
  return { served: 'unknown', checked, components: states, description: `Not all live: ${parts.join('; ')}` };
}

/** A JSON array of strings, else undefined. */
function jsonStrings(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((each) => typeof each === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}
