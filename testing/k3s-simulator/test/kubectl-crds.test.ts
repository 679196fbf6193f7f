/**
 * CustomResourceDefinitions with real kubectl: a CRD and an object of its kind in one apply fail
 * for the object as on a real server, in two steps they succeed; objects are pruned, defaulted and
 * validated against the CRD's schema; deleting the CRD deletes its objects and its resource.
 */
import { eventually, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.sophia.ai
spec:
  group: sophia.ai
  scope: Namespaced
  names:
    plural: backups
    singular: backup
    kind: Backup
    shortNames: [bk]
  versions:
    - name: v1
      served: true
      storage: true
      additionalPrinterColumns:
        - { name: Schedule, type: string, jsonPath: .spec.schedule }
        - { name: Retain, type: integer, jsonPath: .spec.retain }
        - { name: Age, type: date, jsonPath: .metadata.creationTimestamp }
      subresources:
        status: {}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [schedule]
              properties:
                schedule: { type: string, pattern: '^[0-9*/ ,-]+$' }
                retain: { type: integer, minimum: 1, default: 7 }
                target:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
            status:
              type: object
              properties:
                lastRun: { type: string }
`;

const backup = (spec: string, name = 'nightly'): string =>
  `apiVersion: sophia.ai/v1\nkind: Backup\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

// The oldest and newest kubectl (OpenAPI v2 and v3 validation) prove it; plain kubectl adds nothing here.
const versioned = kubectlFlavours().filter((flavour) => flavour.label !== 'kubectl');
const flavours = versioned.length > 0 ? versioned : kubectlFlavours();

describe.each(flavours)('$label custom resources', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
  });
  afterAll(() => session.close());

  test('a CRD and its object in one apply: the object fails as on a real server; in two steps both apply', async () => {
    const unknown = await session.run(['apply', '-f', '-'], { stdin: backup('  schedule: "0 3 * * *"\n') });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no matches for kind "Backup" in version "sophia.ai/v1"');
    expect(unknown.stderr).toContain('ensure CRDs are installed first');

    const together = await session.run(['apply', '-f', '-'], {
      stdin: `${CRD}---\n${backup('  schedule: "0 3 * * *"\n')}`,
    });
    expect(together.code).toBe(1);
    expect(together.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/backups.sophia.ai created');
    expect(together.stderr).toContain('no matches for kind "Backup" in version "sophia.ai/v1"');
    expect(together.stderr).toContain('ensure CRDs are installed first');

    await session.ok(['wait', '--for=condition=established', 'crd/backups.sophia.ai', '--timeout=10s']);
    const crd = JSON.parse(await session.ok(['get', 'crd', 'backups.sophia.ai', '-o', 'json']));
    expect(crd.status.conditions.map((condition: { type: string; status: string }) => condition)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' }),
        expect.objectContaining({ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }),
      ]),
    );
    const second = await session.ok(['apply', '-f', '-'], {
      stdin: `${CRD}---\n${backup('  schedule: "0 3 * * *"\n  target:\n    bucket: s3://backups\n')}`,
    });
    expect(second).toContain('backup.sophia.ai/nightly created');

    const stored = JSON.parse(await session.ok(['get', 'backup', 'nightly', '-o', 'json']));
    expect(stored.spec).toEqual({ schedule: '0 3 * * *', retain: 7, target: { bucket: 's3://backups' } });
    expect(stored.metadata.generation).toBe(1);
    const table = await session.ok(['get', 'bk']);
    expect(table).toMatch(/^NAME\s+SCHEDULE\s+RETAIN\s+AGE$/m);
    expect(table).toMatch(/^nightly\s+0 3 \* \* \*\s+7\s+\S+$/m);

    const serverSide = await session.ok(['apply', '--server-side', '-f', '-'], {
      stdin: backup('  schedule: "0 4 * * *"\n  retain: 3\n', 'weekly'),
    });
    expect(serverSide).toContain('backup.sophia.ai/weekly serverside-applied');
    const diff = await session.run(['diff', '--server-side', '-f', '-'], {
      stdin: backup('  schedule: "0 5 * * *"\n  retain: 3\n', 'weekly'),
    });
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/^\+\s+schedule: 0 5 \* \* \*$/m);
  });

  test('objects are validated against the CRD schema; unknown fields are refused under strict validation', async () => {
    const invalid = await session.run(['apply', '-f', '-'], {
      stdin: backup('  schedule: "nightly"\n  retain: 0\n', 'broken'),
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('The Backup "broken" is invalid: ');
    expect(invalid.stderr).toContain(
      `spec.schedule: Invalid value: "nightly": spec.schedule in body should match '^[0-9*/ ,-]+$'`,
    );
    expect(invalid.stderr).toContain(
      'spec.retain: Invalid value: 0: spec.retain in body should be greater than or equal to 1',
    );
    const missing = await session.run(['apply', '--server-side', '-f', '-'], {
      stdin: backup('  retain: 2\n', 'broken'),
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('The Backup "broken" is invalid: spec.schedule: Required value');

    const typo = await session.run(['apply', '-f', '-'], {
      stdin: backup('  schedule: "0 3 * * *"\n  retian: 2\n', 'typo'),
    });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown field "spec.retian"');
    const warned = await session.run(['apply', '--validate=warn', '-f', '-'], {
      stdin: backup('  schedule: "0 3 * * *"\n  retian: 2\n', 'typo'),
    });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('unknown field "spec.retian"');
    expect(session.cluster.get('Backup', 'default', 'typo')?.spec).toEqual({ schedule: '0 3 * * *', retain: 7 });
  });

  test('deleting the CRD deletes its objects and stops serving its resource', async () => {
    await session.ok(['delete', 'crd', 'backups.sophia.ai', '--wait=true', '--timeout=10s']);
    await eventually(() =>
      session.cluster.get('CustomResourceDefinition', undefined, 'backups.sophia.ai') ? undefined : true,
    );
    const discovery = (await fetch(`${session.cluster.url}/apis`).then((response) => response.json())) as {
      groups: Array<{ name: string }>;
    };
    expect(discovery.groups.map((group) => group.name)).not.toContain('sophia.ai');
    // kubectl still has the resource in its discovery cache, so it asks and is told it is not found.
    const gone = await session.run(['get', 'backups']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(
      'Unable to list "sophia.ai/v1, Resource=backups": the server could not find the requested resource',
    );
    const fresh = await session.run(['get', 'backups', `--cache-dir=${session.kubeconfig}.fresh-cache`]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain(`the server doesn't have a resource type "backups"`);
    // Recreated, the CRD serves an empty resource: its objects went with it.
    await session.ok(['apply', '-f', '-'], { stdin: CRD });
    await session.ok(['wait', '--for=condition=established', 'crd/backups.sophia.ai', '--timeout=10s']);
    expect(await session.run(['get', 'backups'])).toMatchObject({
      code: 0,
      stderr: 'No resources found in default namespace.\n',
    });
  });
});
