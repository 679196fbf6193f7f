/**
 * The faults a test asks of the server (setFaults), seen through real kubectl: a connection cut
 * before the request writes nothing, a lost answer leaves the write made, a Status error reaches
 * kubectl's stderr; and the server serves again once the faults are lifted.
 */
import { kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const settings = (name: string): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: default}
data: {mode: fast}
`;

const newest = kubectlFlavours().slice(-1);

describe.each(newest)('$label against a failing server', (flavour) => {
  let session: KubectlSession;
  beforeAll(async () => {
    session = await openSession(flavour);
  });
  afterEach(() => session.cluster.setFaults(undefined));
  afterAll(() => session.close());

  const apply = (name: string) =>
    session.run(['apply', '--server-side', '-f', '-'], { stdin: settings(name), timeoutMs: 30_000 });

  test('reset: kubectl fails and nothing is written', async () => {
    session.cluster.setFaults((request) => (request.method === 'PATCH' ? 'reset' : undefined));
    expect((await apply('reset')).code).not.toBe(0);
    expect(session.cluster.get('ConfigMap', 'default', 'reset')).toBeUndefined();
  });

  test('drop-answer: kubectl fails and the write is made', async () => {
    session.cluster.setFaults((request) => (request.method === 'PATCH' ? 'drop-answer' : undefined));
    expect((await apply('dropped')).code).not.toBe(0);
    expect(session.cluster.get('ConfigMap', 'default', 'dropped')).toBeDefined();
  });

  test('a Status error reaches kubectl with its message; lifted, the server serves again', async () => {
    session.cluster.setFaults((request) =>
      request.method === 'PATCH' && request.body?.includes('refused')
        ? { status: 403, message: 'configmaps "refused" is forbidden: quota' }
        : undefined,
    );
    const refused = await apply('refused');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('configmaps "refused" is forbidden: quota');
    session.cluster.setFaults(undefined);
    expect((await apply('refused')).code).toBe(0);
  });
});
