import { chooseRelease, type ReleaseEntry, type ReleaseInfo, type ReleaseListing } from '@sophia/releases';

function release(id: string, status: ReleaseInfo['status'] | 'none', minute: number): ReleaseEntry {
  if (status === 'none') return { id };
  const info: ReleaseInfo = {
    id,
    status,
    commit: 'c0ffee',
    ref: 'refs/heads/main',
    runUrl: '',
    actor: 'sophia-bot',
    createdAt: `2026-11-23T21:${String(minute).padStart(2, '0')}:00.000Z`,
    files: 1,
    bytes: 1,
  };
  return { id, info };
}

const listing = (current: string | undefined, releases: ReleaseEntry[]): ReleaseListing => ({ current, releases });

describe('chooseRelease', () => {
  const r1 = release('r1', 'complete', 1);
  const r2 = release('r2', 'complete', 2);
  const r3 = release('r3', 'complete', 3);

  it('goes to the newest complete release older than the live one, by build time not by listing order', () => {
    expect(chooseRelease(listing('r3', [r3, r1, r2]), { kind: 'previous' }, 'web-1')).toEqual({
      from: 'r3',
      to: 'r2',
      alreadyLive: false,
      warnings: [],
    });
  });

  it('skips failed releases and ones without a record, and never goes forward', () => {
    const failed2 = release('r2', 'failed', 2);
    const loose = release('r0', 'none', 0);
    expect(chooseRelease(listing('r3', [r1, failed2, r3, loose]), { kind: 'previous' }, 'web-1').to).toBe('r1');
    // r3 is newer than the live r2: a second rollback must not return to it
    const failed3 = release('r3', 'failed', 3);
    expect(chooseRelease(listing('r2', [r1, r2, failed3]), { kind: 'previous' }, 'web-1').to).toBe('r1');
    expect(chooseRelease(listing('r2', [r1, r2, r3]), { kind: 'previous' }, 'web-1').to).toBe('r1');
  });

  it('refuses when nothing earlier is good, or nothing is live', () => {
    const failed1 = release('r1', 'failed', 1);
    expect(() => chooseRelease(listing('r2', [failed1, r2, r3]), { kind: 'previous' }, 'web-1')).toThrow(
      'web-1: no complete release older than the live r2 that is not marked failed (releases: r3 (complete), r2 (live), r1 (failed)); nothing was changed',
    );
    expect(() => chooseRelease(listing(undefined, [r1]), { kind: 'previous' }, 'web-1')).toThrow(
      'web-1: no live release to roll back from (releases: r1 (complete)); nothing was changed',
    );
  });

  it('honours a named release, warning when it is marked failed, and lists the releases for an unknown one', () => {
    const failed3: ReleaseEntry = {
      id: 'r3',
      info: { ...release('r3', 'failed', 3).info!, failedReason: 'rolled back to r2' },
    };
    expect(chooseRelease(listing('r1', [r1, r2, failed3]), { kind: 'release', releaseId: 'r3' }, 'web-1')).toEqual({
      from: 'r1',
      to: 'r3',
      alreadyLive: false,
      warnings: [
        'web-1: release r3 is marked failed (rolled back to r2); switching to it because "to" names it explicitly',
      ],
    });
    expect(chooseRelease(listing('r2', [r1, r2]), { kind: 'release', releaseId: 'r2' }, 'web-1')).toMatchObject({
      alreadyLive: true,
      warnings: [],
    });
    expect(() => chooseRelease(listing('r2', [r1, r2]), { kind: 'release', releaseId: 'r9' }, 'web-1')).toThrow(
      'web-1: there is no release r9; available releases: r2 (live), r1 (complete)',
    );
  });
});
