import { componentState, deployOutcome, type ComponentRun } from '@sophia/github';

const notRun: ComponentRun = { ran: '', deploy: 'skipped', rollback: 'skipped' };
const deployed = (fields: Partial<ComponentRun> = {}): ComponentRun => ({
  ran: 'true',
  deploy: 'success',
  rollback: 'skipped',
  ...fields,
});
const gatePassed = { result: 'success', healthy: 'true' };

const WORKLOAD = '["sophia/Deployment/api"]';

describe('componentState', () => {
  it('counts a component as put back only when its rollback job succeeded or its deploy reported its rollback', () => {
    expect(componentState(deployed({ rollback: 'success' }))).toBe('previous');
    // Not from the absence of a failed job: a rollback that never ran leaves the new release serving.
    expect(componentState(deployed({ rollback: 'skipped' }))).toBe('new');
    expect(componentState(deployed({ rollback: 'failure' }))).toBe('unknown');
    expect(componentState(deployed({ rollback: 'cancelled' }))).toBe('unknown');
    expect(componentState(deployed({ deploy: 'cancelled' }))).toBe('unknown');
    expect(componentState(notRun)).toBe('untouched');
    expect(componentState({ ...notRun, deploy: 'failure' })).toBe('untouched');
  });

  it("reads a failed Kubernetes deploy's own rollbacks: one that failed leaves the component unknown", () => {
    const failed = (rollbacks: string) => deployed({ deploy: 'failure', changed: '', rollbacks });
    expect(componentState(failed('{"sophia/Deployment/api":{"result":"restored"}}'))).toBe('previous');
    expect(componentState(failed('{"sophia/Deployment/api":{"result":"failed","reason":"timed out"}}'))).toBe(
      'unknown',
    );
    // Failed before anything was applied: nothing to put back.
    expect(componentState(failed(''))).toBe('previous');
    expect(componentState(failed('not json'))).toBe('unknown');
    // The frontend action switches only after every check: a failed deploy leaves the release before it.
    expect(componentState(deployed({ deploy: 'failure' }))).toBe('previous');
  });

  it('takes a Kubernetes deploy that changed no workload as unchanged: what it asked for serves', () => {
    expect(componentState(deployed({ changed: '[]', changedObjects: '[]', rollbacks: '{}' }))).toBe('unchanged');
  });

  it('takes a Kubernetes deploy as unchanged only when it created or configured no object at all', () => {
    // `changed` lists workloads with a new revision only: created ones and other kinds are left out.
    const createdOnly = deployed({ changed: '[]', changedObjects: '["sophia/Deployment/new-api"]', rollbacks: '{}' });
    const configOnly = deployed({ changed: '[]', changedObjects: '["sophia/ConfigMap/api-config"]', rollbacks: '{}' });
    expect(componentState(createdOnly)).toBe('new');
    expect(componentState(configOnly)).toBe('new');
    // Without the output, nothing says the deploy changed nothing.
    expect(componentState(deployed({ changed: '[]', rollbacks: '{}' }))).toBe('unknown');
    expect(componentState(deployed({ changed: '[]', changedObjects: 'not json' }))).toBe('unknown');
  });

  it('counts a rollback job as putting the component back only when every object it changed was a workload it undid', () => {
    const both = '["sophia/ConfigMap/api-config","sophia/Deployment/api"]';
    expect(componentState(deployed({ changed: WORKLOAD, changedObjects: both, rollback: 'success' }))).toBe('partial');
    expect(componentState(deployed({ changed: WORKLOAD, changedObjects: WORKLOAD, rollback: 'success' }))).toBe(
      'previous',
    );
  });

  // Every deploy result x changed (none, some, the frontend's absent output) x rollback job result.
  it.each([
    ['success', '[]', 'skipped', 'unchanged'],
    ['success', '[]', 'success', 'unchanged'],
    ['success', '[]', 'failure', 'unknown'],
    ['success', '[]', 'cancelled', 'unknown'],
    ['success', WORKLOAD, 'skipped', 'new'],
    ['success', WORKLOAD, 'success', 'previous'],
    ['success', WORKLOAD, 'failure', 'unknown'],
    ['success', WORKLOAD, 'cancelled', 'unknown'],
    ['success', undefined, 'skipped', 'new'],
    ['success', undefined, 'success', 'previous'],
    ['success', undefined, 'failure', 'unknown'],
    ['success', undefined, 'cancelled', 'unknown'],
    // A failed deploy puts back what it changed itself (the frontend never switched).
    ['failure', '[]', 'skipped', 'previous'],
    ['failure', WORKLOAD, 'skipped', 'previous'],
    ['failure', undefined, 'skipped', 'previous'],
    ['cancelled', '[]', 'skipped', 'unknown'],
    ['cancelled', WORKLOAD, 'skipped', 'unknown'],
    ['cancelled', undefined, 'skipped', 'unknown'],
    ['skipped', undefined, 'skipped', 'unknown'],
  ])('deploy %s, changed %s, rollback %s: %s', (deploy, changed, rollback, state) => {
    const kubernetes = changed !== undefined;
    const run = deployed({
      deploy,
      rollback,
      ...(kubernetes
        ? {
            changed,
            changedObjects: changed,
            rollbacks: deploy === 'failure' ? '{"sophia/Deployment/api":{"result":"restored"}}' : '',
          }
        : {}),
    });
    expect(componentState(run)).toBe(state);
    // A job that never started its steps changed nothing, whatever its result.
    expect(componentState({ ...run, ran: '' })).toBe('untouched');
  });
});

describe('deployOutcome', () => {
  const unchanged = deployed({ changed: '[]', changedObjects: '[]', rollbacks: '' });
  const changedApi = deployed({ changed: WORKLOAD, changedObjects: WORKLOAD, rollbacks: '' });
  // `changed` is [] (no workload revision moved), yet the cluster changed.
  const createdOnly = deployed({ changed: '[]', changedObjects: '["sophia/Deployment/new-api"]', rollbacks: '' });
  const configOnly = deployed({ changed: '[]', changedObjects: '["sophia/ConfigMap/api-config"]', rollbacks: '' });
  const workloadAndConfig = deployed({
    changed: WORKLOAD,
    changedObjects: '["sophia/ConfigMap/api-config","sophia/Deployment/api"]',
    rollbacks: '',
  });
  const gates = {
    passed: gatePassed,
    failed: { result: 'failure', healthy: 'false' },
    skipped: { result: 'skipped', healthy: '' },
    cancelled: { result: 'cancelled', healthy: '' },
  };
  type Gate = keyof typeof gates;
  // Components of a run -> per gate result, what the record says (`live`/`live unchecked` is
  // GitHub's `success`, the others `failure`; `restored` marks the deployment before live again,
  // `live-unhealthy` follows the failure with `success`: what failed serves).
  const table: Array<[string, Record<string, ComponentRun>, Record<Gate, string>]> = [
    [
      'a backend-only redeploy that changed nothing',
      { frontend: notRun, backend: unchanged, mcp: notRun },
      { passed: 'live', failed: 'restored', skipped: 'live unchecked', cancelled: 'live unchecked' },
    ],
    [
      'a backend deploy that changed a workload, not rolled back',
      { frontend: notRun, backend: changedApi },
      { passed: 'live', failed: 'live-unhealthy', skipped: 'live unchecked', cancelled: 'live unchecked' },
    ],
    [
      'a backend deploy that only created a workload (changed [])',
      { frontend: notRun, backend: createdOnly, mcp: notRun },
      { passed: 'live', failed: 'live-unhealthy', skipped: 'live unchecked', cancelled: 'live unchecked' },
    ],
    [
      'a backend deploy that only changed a ConfigMap (changed [])',
      { frontend: notRun, backend: configOnly, mcp: notRun },
      { passed: 'live', failed: 'live-unhealthy', skipped: 'live unchecked', cancelled: 'live unchecked' },
    ],
    [
      'a backend deploy of a workload and a ConfigMap whose rollback job undid the workload only',
      { backend: { ...workloadAndConfig, rollback: 'success' } },
      { passed: 'unknown', failed: 'unknown', skipped: 'unknown', cancelled: 'unknown' },
    ],
    [
      'a backend deploy rolled back by its rollback job',
      { backend: { ...changedApi, rollback: 'success' } },
      { passed: 'restored', failed: 'restored', skipped: 'restored', cancelled: 'restored' },
    ],
    [
      'a new frontend beside a backend that changed nothing',
      { frontend: deployed(), backend: unchanged },
      { passed: 'live', failed: 'live-unhealthy', skipped: 'live unchecked', cancelled: 'live unchecked' },
    ],
    [
      'a frontend rolled back beside a backend that changed nothing',
      { frontend: deployed({ rollback: 'success' }), backend: unchanged },
      { passed: 'restored', failed: 'restored', skipped: 'restored', cancelled: 'restored' },
    ],
    [
      'a backend whose deploy failed and put back, beside a backend that changed nothing',
      {
        backend: deployed({ deploy: 'failure', changed: '', rollbacks: '{"s/Deployment/api":{"result":"restored"}}' }),
        mcp: unchanged,
      },
      { passed: 'restored', failed: 'restored', skipped: 'restored', cancelled: 'restored' },
    ],
    [
      'a new frontend beside a backend whose deploy failed and put back',
      { frontend: deployed(), backend: deployed({ deploy: 'failure', changed: '', rollbacks: '' }) },
      { passed: 'unknown', failed: 'unknown', skipped: 'unknown', cancelled: 'unknown' },
    ],
    [
      'a rollback that failed beside a component that changed nothing',
      { frontend: deployed({ rollback: 'failure' }), backend: unchanged },
      { passed: 'unknown', failed: 'unknown', skipped: 'unknown', cancelled: 'unknown' },
    ],
    [
      'a run whose deploys never ran',
      { frontend: notRun, backend: notRun },
      { passed: 'restored', failed: 'restored', skipped: 'restored', cancelled: 'restored' },
    ],
  ];
  it.each(
    table.flatMap(([name, components, byGate]) =>
      (Object.keys(gates) as Gate[]).map((gate) => [name, gate, components, byGate[gate]] as const),
    ),
  )('%s, gate %s', (_name, gate, components, expected) => {
    const outcome = deployOutcome(components, gates[gate]);
    const said = outcome.served === 'live' && !outcome.checked ? 'live unchecked' : outcome.served;
    expect(said).toBe(expected);
    if (expected === 'live unchecked') expect(outcome.description).toMatch(/^Live without a finished health gate/);
  });

  it('says a passed redeploy that changed nothing is deployed, and a failed gate after one that nothing was changed', () => {
    const components = { frontend: notRun, backend: unchanged, mcp: notRun };
    expect(deployOutcome(components, gatePassed)).toEqual({
      served: 'live',
      checked: true,
      components: { frontend: 'untouched', backend: 'unchanged', mcp: 'untouched' },
      description: 'Deployed: every component was already as asked',
    });
    expect(deployOutcome(components, gates.failed).description).toBe(
      'Health gate failed: this run changed nothing, what served before still serves',
    );
    expect(deployOutcome({ frontend: deployed(), backend: unchanged }, gatePassed).description).toBe('Deployed');
    expect(
      deployOutcome(
        { frontend: deployed(), backend: deployed({ deploy: 'failure', changed: '', rollbacks: '' }), mcp: unchanged },
        gatePassed,
      ).description,
    ).toBe('Not all live: this run: frontend; put back: backend; unchanged: mcp');
  });

  it('never says a run that created or configured something changed nothing', () => {
    const components = { frontend: notRun, backend: configOnly, mcp: notRun };
    expect(deployOutcome(components, gatePassed)).toMatchObject({ served: 'live', description: 'Deployed' });
    // Nothing could put the ConfigMap back: this run's deployment serves, with its gate failed.
    expect(deployOutcome(components, gates.failed)).toEqual({
      served: 'live-unhealthy',
      checked: false,
      components: { frontend: 'untouched', backend: 'new', mcp: 'untouched' },
      description:
        "Health gate failed, not rolled back (a rollback undoes workload revisions only): this run's backend serves",
      liveDescription: "Live with a failed health gate: this run's backend serves (nothing rolled it back)",
    });
    expect(
      deployOutcome(
        { frontend: deployed({ rollback: 'success' }), backend: { ...workloadAndConfig, rollback: 'success' } },
        gates.failed,
      ).description,
    ).toBe('Not all live: put back: frontend; workloads put back, its other changes stay: backend');
  });

  it('is live and checked when every component serves its new release and the gate passed', () => {
    expect(deployOutcome({ frontend: deployed(), backend: notRun }, gatePassed)).toMatchObject({
      served: 'live',
      checked: true,
      description: 'Deployed',
    });
  });

  it('is live, not checked, when the run was cancelled during the gate and nothing was rolled back', () => {
    const outcome = deployOutcome(
      {
        frontend: deployed(),
        backend: deployed({ changed: '["a/Deployment/b"]', changedObjects: '["a/Deployment/b"]' }),
      },
      {
        result: 'cancelled',
        healthy: '',
      },
    );
    expect(outcome).toMatchObject({ served: 'live', checked: false });
    expect(outcome.description).toMatch(/without a finished health gate \(run cancelled/);
    expect(outcome.description).toMatch(/frontend, backend/);
  });

  it('is restored only when every component this run touched was put back', () => {
    expect(
      deployOutcome(
        { frontend: deployed({ rollback: 'success' }), mcp: notRun },
        { result: 'failure', healthy: 'false' },
      ),
    ).toMatchObject({ served: 'restored', description: expect.stringMatching(/Health gate failed/) });
    expect(deployOutcome({ frontend: notRun }, { result: 'skipped', healthy: '' })).toMatchObject({
      served: 'restored',
      description: expect.stringMatching(/nothing of it stayed live/),
    });
  });

  it('is unknown when a failed rollout was not put back by its own rollback, naming each component', () => {
    const outcome = deployOutcome(
      {
        frontend: deployed({ rollback: 'success' }),
        backend: deployed({ deploy: 'failure', rollbacks: '{"s/Deployment/api":{"result":"failed"}}' }),
      },
      { result: 'success', healthy: 'false' },
    );
    expect(outcome).toMatchObject({ served: 'unknown', components: { frontend: 'previous', backend: 'unknown' } });
    expect(outcome.description).toBe(
      'Not all live: put back: frontend; unknown (a rollback failed or was cancelled): backend',
    );
  });
});
