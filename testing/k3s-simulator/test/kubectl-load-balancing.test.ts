/**
 * How traffic gets an address on k3s, through real kubectl: the DefaultIngressClass admission
 * plugin gives an Ingress the `traefik` class, Traefik publishes the node IPs ServiceLB gives its
 * Service, LoadBalancer Services get those IPs too, and NodePort / LoadBalancer Services get node
 * ports from 30000-32767 as the API server allocates them.
 */
import { eventually, kubectlFlavours, openSession, type KubectlSession } from './kubectl-harness.js';

const NODE_IPS = ['104.171.202.117', '192.222.58.232'];

const ingress = (name: string, extra = ''): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: web${extra}
spec:
  rules:
    - host: ${name}.example.test
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: { name: ${name}, port: { number: 80 } }
`;

const service = (name: string, type: string, nodePort?: number): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: web
spec:
  type: ${type}
  selector: { app: ${name} }
  ports:
    - name: http
      port: 80
      targetPort: 8080${nodePort === undefined ? '' : `\n      nodePort: ${nodePort}`}
`;

// Server behaviours, the same for every kubectl; the newest drives them.
const newest = kubectlFlavours().slice(-1);

describe.each(newest)('$label ingress and load balancer addresses', (flavour) => {
  let session: KubectlSession;

  beforeAll(async () => {
    session = await openSession(flavour);
    await session.ok(['create', 'namespace', 'web']);
  });
  afterAll(() => session.close());

  test('an Ingress without a class gets the default traefik class and the node IPs Traefik publishes', async () => {
    await session.ok(['apply', '-f', '-'], { stdin: ingress('site') });
    expect(await session.ok(['get', 'ingress', 'site', '-n', 'web', '-o', 'jsonpath={.spec.ingressClassName}'])).toBe(
      'traefik',
    );
    const row = await eventually(async () => {
      const printed = await session.ok(['get', 'ingress', 'site', '-n', 'web']);
      return printed.includes(NODE_IPS.join(',')) ? printed : undefined;
    });
    expect(row).toMatch(/^site\s+traefik\s+site\.example\.test\s+104\.171\.202\.117,192\.222\.58\.232\s+80\s+\S+$/m);
    expect(session.cluster.get('Ingress', 'web', 'site')?.status.loadBalancer.ingress).toEqual(
      NODE_IPS.map((ip) => ({ ip })),
    );
    // The legacy annotation is a class too: admission leaves it alone, and Traefik still serves it.
    await session.ok(['apply', '-f', '-'], {
      stdin: ingress('legacy', '\n  annotations:\n    kubernetes.io/ingress.class: traefik'),
    });
    expect(session.cluster.get('Ingress', 'web', 'legacy')?.spec.ingressClassName).toBeUndefined();
    await eventually(() =>
      session.cluster.get('Ingress', 'web', 'legacy')?.status.loadBalancer.ingress ? true : undefined,
    );
  });

  test('an Ingress of another class gets no address; the class is not filled in on update', async () => {
    await session.ok(['apply', '-f', '-'], {
      stdin: `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: other
spec:
  controller: example.com/other
`,
    });
    await session.ok(['apply', '-f', '-'], {
      stdin: ingress('elsewhere').replace('spec:\n', 'spec:\n  ingressClassName: other\n'),
    });
    await session.ok(['apply', '-f', '-'], { stdin: ingress('site') });
    const printed = await session.ok(['get', 'ingress', '-n', 'web']);
    expect(printed).toMatch(/^elsewhere\s+other\s+elsewhere\.example\.test\s+80\s+\S+$/m);
    expect(session.cluster.get('Ingress', 'web', 'elsewhere')?.status).toEqual({ loadBalancer: {} });
  });

  test("ServiceLB gives LoadBalancer Services the Ready, untainted nodes' IPs; kube-system/traefik too", async () => {
    const traefik = await eventually(async () => {
      const printed = await session.ok(['get', 'service', 'traefik', '-n', 'kube-system']);
      return printed.includes(NODE_IPS.join(',')) ? printed : undefined;
    });
    expect(traefik).toMatch(
      /^traefik\s+LoadBalancer\s+10\.43\.\d+\.\d+\s+104\.171\.202\.117,192\.222\.58\.232\s+80:3\d{4}\/TCP,443:3\d{4}\/TCP\s+\S+$/m,
    );
    await session.ok(['apply', '-f', '-'], { stdin: service('api', 'LoadBalancer') });
    await eventually(async () =>
      (await session.ok(['get', 'service', 'api', '-n', 'web'])).includes(NODE_IPS.join(',')) ? true : undefined,
    );
    // A node ServiceLB cannot run on (NotReady, or tainted against the svclb pods) is not published.
    session.cluster.nodes.taint('mcp-node', { key: 'dedicated', value: 'mcp', effect: 'NoSchedule' });
    const narrowed = await eventually(async () => {
      const printed = await session.ok(['get', 'service', 'api', '-n', 'web']);
      return /\s192\.222\.58\.232\s/.test(printed) ? printed : undefined;
    });
    expect(narrowed).toMatch(/^api\s+LoadBalancer\s+\S+\s+192\.222\.58\.232\s+80:3\d{4}\/TCP\s+\S+$/m);
    expect(session.cluster.get('Ingress', 'web', 'site')?.status.loadBalancer.ingress).toEqual([
      { ip: '192.222.58.232' },
    ]);
    session.cluster.nodes.setReady('k3s-server', false);
    await eventually(async () =>
      /^api\s+LoadBalancer\s+\S+\s+<pending>\s/m.test(await session.ok(['get', 'service', 'api', '-n', 'web']))
        ? true
        : undefined,
    );
    session.cluster.nodes.setReady('k3s-server', true);
    session.cluster.nodes.untaint('mcp-node', 'dedicated');
    await eventually(async () =>
      (await session.ok(['get', 'service', 'api', '-n', 'web'])).includes(NODE_IPS.join(',')) ? true : undefined,
    );
  });

  test('NodePort and LoadBalancer Services get unique node ports in 30000-32767, kept across updates', async () => {
    await session.ok(['apply', '-f', '-'], {
      stdin: `${service('front', 'NodePort')}---\n${service('back', 'NodePort')}`,
    });
    const nodePort = (name: string): number => session.cluster.get('Service', 'web', name)?.spec.ports[0].nodePort;
    const front = nodePort('front');
    expect(front).toBeGreaterThanOrEqual(30000);
    expect(front).toBeLessThanOrEqual(32767);
    expect(nodePort('back')).not.toBe(front);
    expect(await session.ok(['get', 'service', 'front', '-n', 'web'])).toMatch(
      new RegExp(`^front\\s+NodePort\\s+\\S+\\s+<none>\\s+80:${front}/TCP\\s+\\S+$`, 'm'),
    );
    // Client-side apply, server-side apply and a replace that leaves nodePort out all keep it.
    await session.ok(['apply', '-f', '-'], { stdin: service('front', 'NodePort').replace('8080', '8081') });
    expect(nodePort('front')).toBe(front);
    await session.ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
      stdin: service('front', 'NodePort').replace('8080', '8082'),
    });
    expect(nodePort('front')).toBe(front);
    await session.ok(['replace', '-f', '-'], { stdin: service('front', 'NodePort').replace('8080', '8083') });
    expect(nodePort('front')).toBe(front);

    await session.ok(['apply', '-f', '-'], { stdin: service('pinned', 'NodePort', 30080) });
    expect(nodePort('pinned')).toBe(30080);
    const clash = await session.run(['apply', '-f', '-'], { stdin: service('copy', 'LoadBalancer', 30080) });
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(
      'The Service "copy" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const outside = await session.run(['apply', '-f', '-'], { stdin: service('copy', 'NodePort', 40000) });
    expect(outside.stderr).toContain(
      'spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    expect(session.cluster.get('Service', 'web', 'copy')).toBeUndefined();

    // Back to ClusterIP: the node port goes (and is free again), as the API server drops type-dependent fields.
    await session.ok(['apply', '-f', '-'], { stdin: service('pinned', 'ClusterIP') });
    expect(nodePort('pinned')).toBeUndefined();
    await session.ok(['apply', '-f', '-'], { stdin: service('copy', 'LoadBalancer', 30080) });
    expect(nodePort('copy')).toBe(30080);
    const forbidden = await session.run(['apply', '-f', '-'], { stdin: service('inner', 'ClusterIP', 30500) });
    expect(forbidden.stderr).toContain(
      'The Service "inner" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\'',
    );
  });
});
