/** Real kubectl's apply, server-side and client-side, of Sophia's backend and MCP servers. */
import { readFileSync } from 'node:fs';
import { eventually, fixture, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const backend = readFileSync(fixture('backend.yaml'), 'utf8');
const mcpServers = readFileSync(fixture('mcp-servers.yaml'), 'utf8');

describe.each(kubectlFlavours())('$label apply', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
    await session
      .ok(['create', 'namespace', 'ssa'])
      .catch(() =>
        session.ok(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ssa\n' }),
      );
    await session.ok(['apply', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: csa\n' });
  });
  afterAll(() => session.close());

  test('server-side apply creates, updates, reports conflicts and forces them', async () => {
    const created = await session.ok(
      ['apply', '--server-side', '--field-manager=sophia-deploy', '-n', 'ssa', '-f', '-'],
      { stdin: backend },
    );
    expect(created.trim().split('\n')).toEqual([
      'configmap/sophia-backend-config serverside-applied',
      'secret/sophia-backend-secrets serverside-applied',
      'deployment.apps/sophia-backend serverside-applied',
      'service/sophia-backend serverside-applied',
      'ingress.networking.k8s.io/sophia-backend serverside-applied',
    ]);
    const secret = JSON.parse(await session.ok(['get', 'secret', 'sophia-backend-secrets', '-n', 'ssa', '-o', 'json']));
    expect(Buffer.from(secret.data.DATABASE_URL, 'base64').toString()).toBe('postgres://sophia:example@db:5432/sophia');
    expect(secret.stringData).toBeUndefined();

    const generation = JSON.parse(await session.ok(['get', 'deploy', 'sophia-backend', '-n', 'ssa', '-o', 'json']))
      .metadata.generation;
    await session.ok(['apply', '--server-side', '--field-manager=sophia-deploy', '-n', 'ssa', '-f', '-'], {
      stdin: backend.replace('backend:1.4.0', 'backend:1.5.0'),
    });
    const updated = JSON.parse(
      await session.ok(['get', 'deploy', 'sophia-backend', '-n', 'ssa', '-o', 'json', '--show-managed-fields']),
    );
    expect(updated.spec.template.spec.containers[0].image).toBe('ghcr.io/sophia-ai/backend:1.5.0');
    expect(updated.metadata.generation).toBe(generation + 1);
    expect(
      updated.metadata.managedFields.map(
        (entry: { manager: string; operation: string }) => `${entry.manager}/${entry.operation}`,
      ),
    ).toContain('sophia-deploy/Apply');

    const conflicting = await session.run(
      ['apply', '--server-side', '--field-manager=hotfix', '-n', 'ssa', '-f', '-'],
      { stdin: backend.replace('backend:1.4.0', 'backend:1.6.0-hotfix') },
    );
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "sophia-deploy": .spec.template.spec.containers[name="api"].image',
    );
    expect(conflicting.stderr).toContain('--force-conflicts');
    const unchanged = JSON.parse(await session.ok(['get', 'deploy', 'sophia-backend', '-n', 'ssa', '-o', 'json']));
    expect(unchanged.spec.template.spec.containers[0].image).toBe('ghcr.io/sophia-ai/backend:1.5.0');

    await session.ok(
      ['apply', '--server-side', '--field-manager=hotfix', '--force-conflicts', '-n', 'ssa', '-f', '-'],
      { stdin: backend.replace('backend:1.4.0', 'backend:1.6.0-hotfix') },
    );
    const forced = JSON.parse(
      await session.ok(['get', 'deploy', 'sophia-backend', '-n', 'ssa', '-o', 'json', '--show-managed-fields']),
    );
    expect(forced.spec.template.spec.containers[0].image).toBe('ghcr.io/sophia-ai/backend:1.6.0-hotfix');
    const original = forced.metadata.managedFields.find(
      (entry: { manager: string }) => entry.manager === 'sophia-deploy',
    );
    expect(JSON.stringify(original.fieldsV1)).not.toContain('"f:image"');
  });

  test('server-side apply removes a list element its manager stops applying', async () => {
    const twoPorts = mcpServers.replace(
      '- containerPort: 3001\n',
      '- containerPort: 3001\n            - containerPort: 9090\n              name: metrics\n',
    );
    await session.ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: twoPorts });
    const before = JSON.parse(await session.ok(['get', 'deploy', 'mcp-github', '-n', 'ssa', '-o', 'json']));
    expect(
      before.spec.template.spec.containers[0].ports.map((port: { containerPort: number }) => port.containerPort),
    ).toEqual([3001, 9090]);
    await session.ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: mcpServers });
    const after = JSON.parse(await session.ok(['get', 'deploy', 'mcp-github', '-n', 'ssa', '-o', 'json']));
    expect(after.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 3001, protocol: 'TCP' }]);
  });

  test('a conflict with a manager that wrote through the scale subresource names the subresource', async () => {
    const deployment = (replicas: number): string =>
      mcpServers
        .split(/^---$/m)
        .find((document) => document.includes('name: mcp-github') && document.includes('kind: Deployment'))!
        .replace(/replicas: \d+/, `replicas: ${replicas}`);
    await session.ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: deployment(1) });
    await session.ok(['apply', '-n', 'ssa', '-f', '-'], {
      stdin: `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: mcp-github
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: mcp-github }
  minReplicas: 3
  maxReplicas: 5
`,
    });
    await eventually(() =>
      session.cluster.get('Deployment', 'ssa', 'mcp-github')?.spec.replicas === 3 ? true : undefined,
    );
    const conflict = await session.run(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: deployment(2) });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "k3s" with subresource "scale" using apps/v1: .spec.replicas',
    );
    await session.ok(['delete', 'hpa', 'mcp-github', '-n', 'ssa']);
    await session.ok(['apply', '--server-side', '--force-conflicts', '-n', 'ssa', '-f', '-'], { stdin: mcpServers });
    expect(session.cluster.get('Deployment', 'ssa', 'mcp-github')?.spec.replicas).toBe(1);
  });

  test("kubectl scale is recorded apart from the same manager's other writes, under subresource scale", async () => {
    const deployment = (image: string): string =>
      mcpServers
        .split(/^---$/m)
        .find((document) => document.includes('name: mcp-linear') && document.includes('kind: Deployment'))!
        // A name of its own: an earlier test leaves mcp-linear owned by kubectl's default manager.
        .replace(/mcp-linear/g, 'mcp-scaled')
        .replace(/image: \S+/, `image: ${image}`);
    await session.ok(['apply', '--server-side', '--field-manager=sophia-deploy', '-n', 'ssa', '-f', '-'], {
      stdin: deployment('registry.example/linear:1'),
    });
    // The same manager (kubectl's own) writes the image through the object, then the replicas through /scale.
    await session.ok(['set', 'image', 'deployment/mcp-scaled', 'server=registry.example/linear:2', '-n', 'ssa']);
    await session.ok(['scale', 'deployment/mcp-scaled', '--replicas=2', '-n', 'ssa']);
    const live = JSON.parse(
      await session.ok(['get', 'deployment', 'mcp-scaled', '-n', 'ssa', '-o', 'json', '--show-managed-fields']),
    );
    const scaled = live.metadata.managedFields.filter(
      (entry: { subresource?: string }) => entry.subresource === 'scale',
    );
    expect(scaled).toHaveLength(1);
    expect(JSON.stringify(scaled[0].fieldsV1)).toBe('{"f:spec":{"f:replicas":{}}}');
    const conflict = await session.run(
      ['apply', '--server-side', '--field-manager=sophia-deploy', '-n', 'ssa', '-f', '-'],
      { stdin: deployment('registry.example/linear:3') },
    );
    expect(conflict.code).toBe(1);
    // Two entries, two conflicts: the image with kubectl set's entry, the replicas with the scale entry.
    expect(conflict.stderr).toContain('Apply failed with 2 conflicts');
    expect(conflict.stderr).toMatch(
      /conflicts? with "kubectl-set" using apps\/v1:\s*-? ?\.spec\.template\.spec\.containers/,
    );
    expect(conflict.stderr).toMatch(
      /conflicts? with "[^"]+" with subresource "scale" using apps\/v1:\s*-? ?\.spec\.replicas/,
    );
  });

  test('client-side apply reports created, configured and unchanged', async () => {
    const all = `${backend}\n---\n${mcpServers}`;
    const created = await session.ok(['apply', '-n', 'csa', '-f', '-'], { stdin: all });
    expect(created).toContain('deployment.apps/sophia-backend created');
    expect(created).toContain('ingress.networking.k8s.io/sophia-backend created');
    for (const name of ['mcp-github', 'mcp-slack', 'mcp-linear']) {
      expect(created).toContain(`deployment.apps/${name} created`);
      expect(created).toContain(`service/${name} created`);
    }
    const again = await session.ok(['apply', '-n', 'csa', '-f', '-'], { stdin: all });
    expect(again).toContain('deployment.apps/sophia-backend unchanged');
    expect(again).toContain('service/mcp-linear unchanged');
    expect(again).toContain('configmap/sophia-backend-config unchanged');

    const changed = all
      .replace('backend:1.4.0', 'backend:1.4.1')
      .replace('LOG_LEVEL: info', 'LOG_LEVEL: debug')
      .replace(/\n {12}- name: MCP_PORT\n {14}value: ['"]3002['"]/, '');
    const configured = await session.ok(['apply', '-n', 'csa', '-f', '-'], { stdin: changed });
    expect(configured).toContain('deployment.apps/sophia-backend configured');
    expect(configured).toContain('configmap/sophia-backend-config configured');
    expect(configured).toContain('deployment.apps/mcp-slack configured');
    expect(configured).toContain('deployment.apps/mcp-github unchanged');
    const slack = JSON.parse(await session.ok(['get', 'deploy', 'mcp-slack', '-n', 'csa', '-o', 'json']));
    expect(slack.spec.template.spec.containers[0].env).toBeUndefined();
    const api = JSON.parse(await session.ok(['get', 'deploy', 'sophia-backend', '-n', 'csa', '-o', 'json']));
    expect(api.spec.template.spec.containers[0].image).toBe('ghcr.io/sophia-ai/backend:1.4.1');
    expect(api.spec.template.spec.containers[0].env.map((entry: { name: string }) => entry.name)).toEqual([
      'LOG_LEVEL',
      'DATABASE_URL',
    ]);
    expect(api.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('backend:1.4.1');

    // kubectl migrates client-side applied objects to server-side apply without conflicts.
    const migrated = await session.ok(['apply', '--server-side', '-n', 'csa', '-f', '-'], { stdin: changed });
    expect(migrated).toContain('deployment.apps/sophia-backend serverside-applied');
    await eventually(
      async () => {
        const rollout = await session.run(['rollout', 'status', 'deploy/sophia-backend', '-n', 'csa', '--timeout=5s']);
        return rollout.code === 0 ? rollout : undefined;
      },
      10000,
      'the backend rollout',
    );
  });

  test('unknown fields are refused under the default strict validation, warned about under --validate=warn', async () => {
    const typo = mcpServers.replace('image: ghcr.io/sophia-ai/mcp-slack', 'imagee: ghcr.io/sophia-ai/mcp-slack');
    const clientSide = await session.run(['apply', '-n', 'csa', '-f', '-'], {
      stdin: typo.replace(/mcp-slack/g, 'mcp-typo'),
    });
    expect(clientSide.code).toBe(1);
    expect(clientSide.stderr).toContain(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee"',
    );
    const serverSide = await session.run(['apply', '--server-side', '-n', 'csa', '-f', '-'], {
      stdin: typo.replace(/mcp-slack/g, 'mcp-typo'),
    });
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toContain(
      'failed to create typed patch object (csa/mcp-typo; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="server"].imagee: field not declared in schema',
    );
    const warned = await session.run(['apply', '--validate=warn', '-n', 'csa', '-f', '-'], {
      stdin: typo.replace(/mcp-slack/g, 'mcp-typo'),
    });
    expect(warned.stderr).toContain('unknown field "spec.template.spec.containers[0].imagee"');
    expect(warned.stderr).toContain(
      'The Deployment "mcp-typo" is invalid: spec.template.spec.containers[0].image: Required value',
    );
  });
  test('a toleration without a key is refused unless its operator is Exists, on a server-side dry run too', async () => {
    const daemonSet = (toleration: string): string =>
      [
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: {name: agent, namespace: csa}',
        'spec:',
        '  selector: {matchLabels: {app: agent}}',
        '  template:',
        '    metadata: {labels: {app: agent}}',
        '    spec:',
        `      tolerations: [${toleration}]`,
        '      containers: [{name: agent, image: ghcr.io/sophia-ai/agent:1}]',
        '',
      ].join('\n');
    const refused =
      'The DaemonSet "agent" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: "Equal": ' +
      'operator must be Exists when `key` is empty, which means "match all values and all keys"';
    for (const mode of [[], ['--server-side']]) {
      const result = await session.run(['apply', '--dry-run=server', ...mode, '-f', '-'], {
        stdin: daemonSet('{operator: Equal, value: x, effect: NoSchedule}'),
      });
      expect({ code: result.code, stderr: result.stderr }).toEqual({
        code: 1,
        stderr: expect.stringContaining(refused),
      });
    }
    const noOperator = await session.run(['apply', '--dry-run=server', '-f', '-'], {
      stdin: daemonSet('{effect: NoSchedule}'),
    });
    expect(noOperator.stderr).toContain(
      'spec.template.spec.tolerations[0].operator: Invalid value: "": operator must be Exists',
    );
    const allowed = await session.ok(['apply', '--dry-run=server', '-f', '-'], {
      stdin: daemonSet('{operator: Exists, effect: NoSchedule}'),
    });
    expect(allowed).toContain('daemonset.apps/agent created (server dry run)');
  });

  test('values of the wrong type are refused while decoding, as a real server does, whatever the validation mode', async () => {
    const deployment = (annotations: string, replicas: string, env: string): string =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: typed}',
        'spec:',
        `  replicas: ${replicas}`,
        '  selector: {matchLabels: {app: typed}}',
        '  template:',
        `    metadata: {labels: {app: typed}, annotations: {${annotations}}}`,
        '    spec:',
        `      containers: [{name: api, image: registry.example/api:1, env: [{name: PORT, value: ${env}}]}]`,
        '',
      ].join('\n');
    // An unquoted checksum in a pod template's annotations: a number where a string belongs.
    const checksum = deployment('checksum/config: 99999', '1', '"8080"');
    const serverSide = await session.run(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: checksum });
    expect(serverSide.code).toBe(1);
    expect(serverSide.stderr).toContain(
      'failed to create typed patch object (ssa/typed; apps/v1, Kind=Deployment): .spec.template.metadata.annotations.checksum/config: expected string, got &value.valueUnstructured{Value:99999}',
    );
    const quotedReplicas = deployment('checksum/config: "1"', '"1"', '8080');
    const several = await session.run(['apply', '--server-side', '-n', 'ssa', '-f', '-'], { stdin: quotedReplicas });
    expect(several.code).toBe(1);
    expect(several.stderr).toContain('.spec.replicas: expected numeric (int or float), got string');
    expect(several.stderr).toContain(
      '.spec.template.spec.containers[name="api"].env[name="PORT"].value: expected string',
    );
    for (const validate of ['--validate=strict', '--validate=false']) {
      const clientSide = await session.run(['apply', validate, '-n', 'csa', '-f', '-'], {
        stdin: deployment('checksum/config: "1"', '"1"', '"8080"'),
      });
      expect(clientSide.code).toBe(1);
      expect(clientSide.stderr).toContain(
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
      );
    }
    const envNumber = await session.run(['create', '-n', 'csa', '-f', '-'], {
      stdin: deployment('checksum/config: "1"', '1', '8080'),
    });
    expect(envNumber.code).toBe(1);
    expect(envNumber.stderr).toContain(
      'json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string',
    );
    // Nothing of the refused objects was stored.
    const listed = await session.run(['get', 'deployment', 'typed', '-n', 'ssa', '--ignore-not-found', '-o', 'name']);
    expect(listed.stdout.trim()).toBe('');
    const outOfRange = await session.run(['apply', '--server-side', '-n', 'ssa', '-f', '-'], {
      stdin: 'apiVersion: v1\nkind: Service\nmetadata: {name: typed}\nspec: {ports: [{port: 70000}]}\n',
    });
    expect(outOfRange.code).toBe(1);
    // targetPort defaults to port, so the server finds both out of range.
    expect(outOfRange.stderr).toContain('The Service "typed" is invalid');
    expect(outOfRange.stderr).toContain(
      'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
    );
    expect(outOfRange.stderr).toContain('spec.ports[0].targetPort: Invalid value: 70000');
    // Both spellings that int-or-string and Quantity fields allow are accepted.
    await session.ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], {
      stdin: [
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: typed}',
        'spec: {ports: [{name: a, port: 80, targetPort: http}, {name: b, port: 81, targetPort: 8081}]}',
        '',
      ].join('\n'),
    });
  });

  test('int64 values beyond 2^53 are stored and served with every digit, by either apply and through a rollout', async () => {
    // kubectl keeps int64 exactly (9007199254740993 is 2^53 + 1, which a float64 rounds to ...992).
    const deployment = (name: string, seconds: string) =>
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        `metadata: {name: ${name}}`,
        'spec:',
        `  selector: {matchLabels: {app: ${name}}}`,
        '  template:',
        `    metadata: {labels: {app: ${name}}}`,
        '    spec:',
        `      terminationGracePeriodSeconds: ${seconds}`,
        '      securityContext: {runAsUser: 9007199254740997}',
        '      containers: [{name: a, image: registry.example/a:1}]',
        '',
      ].join('\n');
    await session.ok(['apply', '--server-side', '-n', 'ssa', '-f', '-'], {
      stdin: deployment('wide', '9007199254740993'),
    });
    await session.ok(['apply', '-n', 'csa', '-f', '-'], { stdin: deployment('wide', '9007199254740993') });
    await session.ok(['apply', '-n', 'csa', '-f', '-'], { stdin: deployment('wide', '9007199254740995') });
    const served = await session.ok(['get', 'deployment', 'wide', '-n', 'ssa', '-o', 'json']);
    expect(served).toContain('"terminationGracePeriodSeconds": 9007199254740993');
    expect(served).toContain('"runAsUser": 9007199254740997');
    const patched = await session.ok(['get', 'deployment', 'wide', '-n', 'csa', '-o', 'json']);
    expect(patched).toContain('"terminationGracePeriodSeconds": 9007199254740995');
    // The controllers copy the template into ReplicaSets without rounding it either.
    const replicaSets = await eventually(async () => {
      const text = await session.ok(['get', 'replicasets', '-n', 'csa', '-l', 'app=wide', '-o', 'json']);
      return text.includes('9007199254740995') ? text : undefined;
    });
    expect(replicaSets).toContain('"terminationGracePeriodSeconds": 9007199254740993');
  });
});
