import { chooseTarget, type Revision, type WorkloadHistory } from '@sophia/kubernetes';

function revision(number: number, template: string, options: Partial<Revision> = {}): Revision {
  return { number, earlierNumbers: [], template, images: [`api:${template}`], failed: false, live: false, ...options };
}

function history(revisions: Revision[]): WorkloadHistory {
  const live = revisions.find((entry) => entry.live)!;
  return {
    ref: { kind: 'Deployment', name: 'api', namespace: 'sophia' },
    revisions,
    live,
    failedNumbers: [],
    failedTemplates: [],
  };
}

describe('chooseTarget', () => {
  it('goes to the newest revision older than the live one that is not marked failed', () => {
    const step = chooseTarget(
      history([revision(1, 'a'), revision(2, 'b', { failed: true }), revision(3, 'c', { live: true })]),
      { kind: 'previous' },
    );
    expect(step).toMatchObject({ alreadyLive: false, warnings: [] });
    expect(step.from.number).toBe(3);
    expect(step.to.number).toBe(1);
  });

  it('after a restore renumbered revision 2 as 4, walks on to 1 and not to the failed 3', () => {
    const step = chooseTarget(
      history([
        revision(1, 'a'),
        revision(3, 'c', { failed: true }),
        revision(4, 'b', { earlierNumbers: [2], live: true }),
      ]),
      { kind: 'previous' },
    );
    expect(step.to.template).toBe('a');
  });

  it('refuses when no earlier revision is good, naming every revision', () => {
    expect(() =>
      chooseTarget(
        history([
          revision(3, 'c', { failed: true }),
          revision(4, 'b', { failed: true }),
          revision(5, 'a', { earlierNumbers: [1], live: true }),
        ]),
        { kind: 'previous' },
      ),
    ).toThrow(
      'sophia/Deployment/api: no revision older than the live 5 that is not marked failed (revisions: 3 (failed), 4 (failed), 5 (live)); nothing was rolled back',
    );
  });

  it('finds a named revision by its number now or the one it had before a restore', () => {
    const revisions = [
      revision(1, 'a'),
      revision(3, 'c', { failed: true }),
      revision(4, 'b', { earlierNumbers: [2], live: true }),
    ];
    expect(chooseTarget(history(revisions), { kind: 'revision', revision: 2 })).toMatchObject({
      alreadyLive: true,
      warnings: ['sophia/Deployment/api: revision 2 was restored before and is now numbered 4'],
    });
    const failed = chooseTarget(history(revisions), { kind: 'revision', revision: 3 });
    expect(failed.alreadyLive).toBe(false);
    expect(failed.warnings).toEqual([
      'sophia/Deployment/api: revision 3 api:c is marked failed; rolling back to it because "to" names it explicitly',
    ]);
    expect(() => chooseTarget(history(revisions), { kind: 'revision', revision: 7 })).toThrow(
      'sophia/Deployment/api has no revision 7; available revisions: 1, 3 (failed), 4 (live)',
    );
  });
});
