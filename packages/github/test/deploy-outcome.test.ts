import { componentState, deployOutcome, type ComponentRun } from '@sophia/github';

const notRun: ComponentRun = { ran: '', deploy: 'skipped', rollback: 'skipped' };
const deployed = (fields: Partial<ComponentRun> = {}): ComponentRun => ({
  ran: 'true',
  deploy: 'success',
  rollback: 'skipped',
  ...fields,
});
const gatePassed = { result: 'success', healthy: 'true' };

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

  it('takes a Kubernetes deploy that changed no workload as untouched', () => {
    expect(componentState(deployed({ changed: '[]', rollbacks: '{}' }))).toBe('untouched');
  });
});

describe('deployOutcome', () => {
  it('is live and checked when every component serves its new release and the gate passed', () => {
    expect(deployOutcome({ frontend: deployed(), backend: notRun }, gatePassed)).toMatchObject({
      served: 'live',
      checked: true,
      description: 'Deployed',
    });
  });

  it('is live, not checked, when the run was cancelled during the gate and nothing was rolled back', () => {
    const outcome = deployOutcome(
      { frontend: deployed(), backend: deployed({ changed: '["a/Deployment/b"]' }) },
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
