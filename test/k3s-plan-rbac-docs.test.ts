/**
 * The plan identity's RBAC and dry-run-only policy that docs/deploy-plans.md documents, taken
 * from the page itself so page and test cannot drift: the API server (the simulator, reporting
 * 1.30, the first minor serving admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy, with
 * its own kubectl) accepts them as objects of their API versions, and every request a backend and
 * an MCP plan make is allowed by the documented rules, every write among them a dry run
 * (`dryRun=All`, what the policy lets through). The policy's CEL only a real API server evaluates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runBundledAction } from '@sophia-testing/action-runner';
import type { KubeObject } from '@sophia/kubernetes';
import { startTestCluster, type TestCluster } from './fixtures/cluster.js';
import { Workspace } from './fixtures/kube-kit.js';
import { repoRoot } from './support/workflows.js';

const PAGE = join(repoRoot, 'docs', 'deploy-plans.md');

/** The YAML blocks of the page's "Credentials for the plan job" section, dedented, as objects. */
function documentedObjects(): { blocks: string[]; objects: KubeObject[] } {
  const page = readFileSync(PAGE, 'utf8');
  const section = page.slice(page.indexOf('## Credentials for the plan job'));
  const body = section.slice(0, section.indexOf('\n## ', 1));
  const blocks = [...body.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```$/gm)].map(([, indent, text]) =>
    text.replace(new RegExp(`^${indent}`, 'gm'), ''),
  );
  // kubectl reads YAML with YAML 1.1 rules.
  const objects = blocks.flatMap((block) =>
    parseAllDocuments(block, { version: '1.1' }).map((document) => document.toJS() as KubeObject),
  );
  return { blocks, objects };
}

/** A rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** What the authorizer sees of a request (k8s.io/apiserver RequestInfo). */
interface RequestAttributes {
  verb: string;
  path: string;
  resourceRequest: boolean;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/**
 * A request's attributes as the API server derives them (k8s.io/apiserver
 * pkg/endpoints/request/requestinfo.go): `/api/v1/...` is the core group, `/apis/<group>/<version>/...`
 * another; `/namespaces/<ns>/<resource>/<name>/<subresource>`, where a request for the namespace
 * object itself has that namespace; verbs from the method, GET without a name being list (watch
 * with `watch=true`). Anything else (`/version`, `/api`, `/openapi/v2`) is a non-resource request.
 */
function requestAttributes(method: string, url: string): RequestAttributes {
  const parsed = new URL(url, 'http://api-server');
  const parts = parsed.pathname.split('/').filter(Boolean);
  const nonResource = {
    verb: method.toLowerCase(),
    path: parsed.pathname,
    resourceRequest: false,
    group: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
  };
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length >= 4) [group, rest] = [parts[1], parts.slice(3)];
  else return nonResource;
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2) rest = rest.slice(2);
  }
  const [resource, name = '', subresource = ''] = rest;
  const watch = parsed.searchParams.get('watch') === 'true' || parsed.searchParams.get('watch') === '1';
  const verbs: Record<string, string> = {
    GET: name ? 'get' : watch ? 'watch' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  };
  return {
    verb: verbs[method] ?? method.toLowerCase(),
    path: parsed.pathname,
    resourceRequest: true,
    group,
    resource,
    subresource,
    namespace,
    name,
  };
}

/**
 * Whether the rule allows the request, as Kubernetes RBAC matches (pkg/apis/rbac/v1
 * evaluation_helpers.go): verb, API group and resource each listed or `*`; a subresource
 * request needs `resource/subresource`, `*` then `/subresource`, or `*`; `resourceNames`, when given,
 * must name the object (so never a list or a create without a name); a non-resource request
 * needs its path in `nonResourceURLs`, exactly or under a trailing `*`.
 */
function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  if (!rule.verbs.some((verb) => verb === '*' || verb === request.verb)) return false;
  if (!request.resourceRequest)
    return (rule.nonResourceURLs ?? []).some(
      (url) => url === '*' || url === request.path || (url.endsWith('*') && request.path.startsWith(url.slice(0, -1))),
    );
  if (!(rule.apiGroups ?? []).some((group) => group === '*' || group === request.group)) return false;
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const resourceMatches = (rule.resources ?? []).some(
    (resource) =>
      resource === '*' ||
      resource === combined ||
      (request.subresource !== '' && resource === `*/${request.subresource}`),
  );
  if (!resourceMatches) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (request.name !== '' && names.includes(request.name));
}

/**
 * The rules every signed-in identity has on a cluster with the default roles: system:discovery and
 * system:public-info-viewer (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
 */
const DEFAULT_RULES: PolicyRule[] = [
  {
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/openapi',
      '/openapi/*',
      '/readyz',
      '/version',
      '/version/',
    ],
  },
];

/**
 * Whether the identity may make the request under the objects' RBAC: a rule of the default roles,
 * of a ClusterRole bound to it cluster-wide (ClusterRoleBinding), or of a Role or ClusterRole bound
 * to it by a RoleBinding in the request's namespace.
 */
function authorized(
  objects: KubeObject[],
  identity: { namespace: string; name: string },
  request: RequestAttributes,
): boolean {
  const roleRules = (kind: string, name: string, namespace?: string) =>
    (objects.find(
      (object) =>
        object.kind === kind &&
        object.metadata.name === name &&
        (kind === 'ClusterRole' || object.metadata.namespace === namespace),
    )?.rules ?? []) as PolicyRule[];
  const bindsIdentity = (binding: KubeObject) =>
    ((binding.subjects ?? []) as Array<{ kind: string; name: string; namespace?: string }>).some(
      (subject) =>
        subject.kind === 'ServiceAccount' && subject.name === identity.name && subject.namespace === identity.namespace,
    );
  const rules = [...DEFAULT_RULES];
  for (const binding of objects.filter(bindsIdentity)) {
    const ref = binding.roleRef as { kind: string; name: string };
    if (binding.kind === 'ClusterRoleBinding') rules.push(...roleRules(ref.kind, ref.name));
    else if (binding.kind === 'RoleBinding' && request.namespace === binding.metadata.namespace)
      rules.push(...roleRules(ref.kind, ref.name, binding.metadata.namespace));
  }
  return rules.some((rule) => ruleAllows(rule, request));
}

const { blocks, objects } = documentedObjects();
const account = objects.find((object) => object.kind === 'ServiceAccount');
const identity = { namespace: account?.metadata.namespace ?? '', name: account?.metadata.name ?? '' };

test('the page documents the plan identity, its roles and bindings, and the dry-run-only policy naming that identity', () => {
  expect(blocks).toHaveLength(2);
  expect(objects.map((object) => `${object.apiVersion} ${object.kind}`).sort()).toEqual([
    'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy',
    'admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding',
    'rbac.authorization.k8s.io/v1 ClusterRole',
    'rbac.authorization.k8s.io/v1 ClusterRole',
    'rbac.authorization.k8s.io/v1 ClusterRoleBinding',
    'rbac.authorization.k8s.io/v1 RoleBinding',
    'rbac.authorization.k8s.io/v1 RoleBinding',
    'v1 ServiceAccount',
  ]);
  const policy = objects.find((object) => object.kind === 'ValidatingAdmissionPolicy')!;
  const condition = (policy.spec?.matchConditions as Array<{ expression: string }>)[0].expression;
  expect(condition).toBe(`request.userInfo.username == 'system:serviceaccount:${identity.namespace}:${identity.name}'`);
  expect(policy.spec?.validations).toEqual([expect.objectContaining({ expression: 'request.dryRun == true' })]);
  // Nothing beyond the deploy's own verbs: no delete, update, escalate, bind or wildcard.
  const granted = objects
    .filter((object) => object.kind === 'ClusterRole' || object.kind === 'Role')
    .flatMap((role) => role.rules as PolicyRule[]);
  expect([...new Set(granted.flatMap((rule) => rule.verbs))].sort()).toEqual(['create', 'get', 'list', 'patch']);
  expect(granted.flatMap((rule) => [...(rule.apiGroups ?? []), ...(rule.resources ?? [])])).not.toContain('*');
});

test('the RBAC matcher follows Kubernetes semantics: subresources, resource names, wildcards, namespaces', () => {
  const request = (method: string, url: string) => requestAttributes(method, url);
  expect(request('GET', '/api/v1/namespaces/mcp')).toMatchObject({
    verb: 'get',
    resource: 'namespaces',
    namespace: 'mcp',
    name: 'mcp',
  });
  expect(request('GET', '/apis/apps/v1/namespaces/mcp/deployments?watch=true')).toMatchObject({
    verb: 'watch',
    group: 'apps',
    resource: 'deployments',
    namespace: 'mcp',
  });
  expect(request('PATCH', '/api/v1/nodes/mcp-node/status')).toMatchObject({
    verb: 'patch',
    resource: 'nodes',
    name: 'mcp-node',
    subresource: 'status',
    namespace: '',
  });
  const rule = (fields: Partial<PolicyRule>): PolicyRule => ({ verbs: ['patch'], apiGroups: [''], ...fields });
  const status = request('PATCH', '/api/v1/nodes/mcp-node/status');
  expect(ruleAllows(rule({ resources: ['nodes'] }), status)).toBe(false);
  expect(ruleAllows(rule({ resources: ['nodes/status'] }), status)).toBe(true);
  expect(ruleAllows(rule({ resources: ['*/status'] }), status)).toBe(true);
  expect(ruleAllows(rule({ resources: ['*'] }), status)).toBe(true);
  expect(ruleAllows(rule({ resources: ['nodes/status'], resourceNames: ['k3s-server'] }), status)).toBe(false);
  expect(ruleAllows(rule({ resources: ['nodes/status'], resourceNames: ['mcp-node'] }), status)).toBe(true);
  expect(
    ruleAllows(
      rule({ resources: ['nodes'], verbs: ['list'], resourceNames: ['mcp-node'] }),
      request('GET', '/api/v1/nodes'),
    ),
  ).toBe(false);
  expect(ruleAllows(rule({ resources: ['nodes'], apiGroups: ['apps'] }), request('PATCH', '/api/v1/nodes/x'))).toBe(
    false,
  );
  expect(ruleAllows({ verbs: ['get'], nonResourceURLs: ['/openapi/*'] }, request('GET', '/openapi/v2'))).toBe(true);
  // The documented rules: namespaced grants reach only the namespaces bound, and nodes are read-only.
  expect(authorized(objects, identity, request('PATCH', '/apis/apps/v1/namespaces/sophia/deployments/api'))).toBe(true);
  expect(authorized(objects, identity, request('PATCH', '/apis/apps/v1/namespaces/other/deployments/api'))).toBe(false);
  expect(authorized(objects, identity, request('DELETE', '/apis/apps/v1/namespaces/sophia/deployments/api'))).toBe(
    false,
  );
  expect(authorized(objects, identity, request('GET', '/api/v1/nodes'))).toBe(true);
  expect(authorized(objects, identity, request('PATCH', '/api/v1/nodes/mcp-node'))).toBe(false);
  expect(authorized(objects, identity, request('GET', '/api/v1/namespaces/sophia/pods/x/log'))).toBe(false);
});

describe('against the cluster simulator', () => {
  let cluster: TestCluster;
  let workspace: Workspace;
  let recording: Array<{ method: string; url: string }> | undefined;

  beforeAll(async () => {
    cluster = await startTestCluster({
      version: '1.30',
      onRequest: (method, url) => recording?.push({ method, url }),
    });
    workspace = new Workspace('backend', 'mcp');
    for (const namespace of ['sophia', 'mcp']) await cluster.createNamespace(namespace);
  });

  afterAll(async () => {
    await cluster?.stop();
    workspace?.remove();
  });

  test('kubectl applies every documented object with a server-side dry run, as objects of their API versions', async () => {
    for (const [index, block] of blocks.entries()) {
      const file = join(workspace.dir, `documented-${index}.yaml`);
      workspace.write(`documented-${index}.yaml`, block);
      const { stdout } = await cluster.observer.run([
        'apply',
        '--server-side',
        '--dry-run=server',
        '-f',
        file,
        '-o',
        'name',
      ]);
      const names = parseAllDocuments(block, { version: '1.1' }).map((document) => {
        const object = document.toJS() as KubeObject;
        return object.metadata.name;
      });
      expect(
        stdout
          .trim()
          .split('\n')
          .map((line) => line.split('/').pop()),
      ).toEqual(names);
    }
    // A dry run: none of them stored.
    expect(await cluster.observer.get({ kind: 'ClusterRole', name: 'deploy-plan' })).toBeUndefined();
  });

  test('every request of a backend and an MCP plan is allowed by the documented rules, and every write is a dry run', async () => {
    const run = (action: 'deploy-k3s-backend' | 'deploy-mcp-node', inputs: Record<string, string>) =>
      runBundledAction({
        action,
        cwd: workspace.dir,
        inputs: { kubeconfig: cluster.kubeconfig, 'rollout-timeout': '15s', ...inputs },
        timeoutMs: 60_000,
      });
    const backend = { manifests: 'kubernetes/production/backend.yaml', namespace: 'sophia' };
    const mcp = {
      manifests: 'kubernetes/production/mcp-*.yaml',
      namespace: 'mcp',
      taint: 'sophia.ai/dedicated=mcp:NoSchedule',
    };
    const plans: Array<Parameters<typeof run>> = [
      ['deploy-k3s-backend', { ...backend, 'dry-run': 'true' }],
      ['deploy-mcp-node', { ...mcp, node: 'mcp-node', 'dry-run': 'true' }],
    ];
    const recorded: Array<{ method: string; url: string }> = [];
    const plan = async (...args: Parameters<typeof run>) => {
      recording = recorded;
      try {
        const result = await run(...args);
        expect(result.annotations.filter((annotation) => annotation.level === 'error')).toEqual([]);
        expect(result.outputs.plan).toBeDefined();
      } finally {
        recording = undefined;
      }
    };
    // First plans against nothing deployed (creates), then against the live objects (changes), the
    // MCP one moving the servers to another node.
    for (const args of plans) await plan(...args);
    for (const [action, inputs] of plans) {
      const deployed = await run(action, { ...inputs, 'dry-run': 'false' });
      expect(deployed.code).toBe(0);
    }
    await plan('deploy-k3s-backend', {
      ...backend,
      images: 'ghcr.io/sophia-ai/backend=ghcr.io/sophia-ai/backend:9.9.9',
      'dry-run': 'true',
    });
    await plan('deploy-mcp-node', { ...mcp, node: 'k3s-server', 'dry-run': 'true' });

    const requests = recorded.map(({ method, url }) => ({ method, url, attributes: requestAttributes(method, url) }));
    // The plans read and dry-ran the objects and the nodes: the recording has what the rules must cover.
    expect(requests.some(({ attributes }) => attributes.verb === 'patch' && attributes.namespace === 'mcp')).toBe(true);
    expect(requests.some(({ attributes }) => attributes.resource === 'nodes' && attributes.verb === 'list')).toBe(true);
    const refused = requests.filter(({ attributes }) => !authorized(objects, identity, attributes));
    expect(refused.map(({ method, url }) => `${method} ${url}`)).toEqual([]);
    const writes = requests.filter(({ method }) => method !== 'GET');
    expect(writes.length).toBeGreaterThan(0);
    const notDryRun = writes.filter(
      ({ url }) => new URL(url, 'http://api-server').searchParams.getAll('dryRun').join(',') !== 'All',
    );
    expect(notDryRun.map(({ method, url }) => `${method} ${url}`)).toEqual([]);
  });
});
