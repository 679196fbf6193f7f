/**
 * The three Kubernetes actions, bundled, against every kubectl minor on this machine (the
 * versioned binaries beside the kubectl dispatcher; plain kubectl alone where there are none),
 * each with the simulator reporting the matching server version, on both transports: kubectl on
 * the runner with a kubeconfig, and kubectl on the server over SSH. One core scenario per
 * minor and transport (deploy, gate, automatic and explicit rollback, MCP placement), with the
 * same expectations everywhere: nothing the actions do depends on the minor. The other
 * behaviours are tested once, in the other test files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBundledAction, type ActionRun } from '@sophia-testing/action-runner';
import { mcpServerDeployment, ownNamespaceApp } from '@sophia-testing/manifests';
import { kubectlBinaries, startCluster, type Cluster } from '@sophia-testing/k3s-simulator';
import { startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { localKubectl, imageOf, Workspace } from './fixtures/kube-kit.js';

const API = 'ghcr.io/sophia-ai/api';
const MCP_ADDRESS = '104.171.202.117';

const MCP_SERVER = mcpServerDeployment({ name: 'mcp-search', image: 'ghcr.io/sophia-ai/mcp-search:1' });

let sshHost: LocalSshHost;
let workspace: Workspace;

beforeAll(async () => {
  sshHost = await startSshHost();
  workspace = new Workspace();
  workspace.write('mcp-search.yaml', MCP_SERVER);
});

afterAll(async () => {
  await sshHost?.stop();
  workspace?.remove();
});

describe.each(kubectlBinaries())(
  'kubectl $minor against a $serverVersion server',
  ({ minor, binary, serverVersion }) => {
    let cluster: Cluster;
    let home: string;

    beforeAll(async () => {
      cluster = await startCluster({ version: serverVersion });
      home = mkdtempSync(join(tmpdir(), `kubectl-${minor}-`));
    });

    afterAll(async () => {
      await cluster?.stop();
      rmSync(home, { recursive: true, force: true });
    });

    /** The connection inputs of each transport, both running this minor's binary. */
    function connection(transport: 'kubeconfig' | 'ssh'): Record<string, string> {
      if (transport === 'kubeconfig') return { kubeconfig: cluster.kubeconfig, kubectl: binary };
      const kubeconfig = cluster.writeKubeconfig(home);
      return {
        host: `127.0.0.1:${sshHost.sshPort}`,
        user: sshHost.user,
        'ssh-key': sshHost.privateKey,
        'known-hosts': sshHost.knownHosts,
        'kubectl-command': `KUBECONFIG=${kubeconfig} KUBECACHEDIR=${join(home, 'cache')} ${binary}`,
      };
    }

    test.each(['kubeconfig', 'ssh'] as const)(
      'via %s: deploys, fails fast and rolls back, rolls back on request, pins MCP servers',
      async (transport) => {
        const namespace = `sophia-${transport}`;
        const key = `${namespace}/Deployment/api`;
        const file = workspace.write(`${namespace}.yaml`, ownNamespaceApp(namespace));
        const run = (action: string, inputs: Record<string, string>): Promise<ActionRun> =>
          runBundledAction({
            action,
            cwd: workspace.dir,
            inputs: { ...connection(transport), ...inputs },
            timeoutMs: 60_000,
          });
        const deploy = (image: string) =>
          run('deploy-k3s-backend', {
            manifests: file,
            images: `api=${image}\nworker=${image}`,
            'rollout-timeout': '15s',
          });
        const observer = localKubectl(cluster.kubeconfig);
        const liveImage = async () => imageOf(await observer.get({ kind: 'Deployment', name: 'api', namespace }));
        try {
          const first = await deploy(`${API}:1`);
          expect(first.annotations.filter((a) => a.level === 'error')).toEqual([]);
          expect(JSON.parse(first.outputs.applied)).toEqual([
            { kind: 'Namespace', name: namespace },
            { kind: 'ConfigMap', namespace, name: 'api-settings' },
            { kind: 'Deployment', namespace, name: 'api' },
          ]);
          expect(JSON.parse(first.outputs.revisions)).toEqual({ [key]: '1' });

          expect((await deploy(`${API}:2`)).outputs.revisions).toBe(JSON.stringify({ [key]: '2' }));

          const bad = await deploy(`${API}:broken`);
          expect(bad.code).toBe(1);
          expect(bad.annotations.find((a) => a.level === 'error')?.message).toMatch(
            /^Rollout failed: sophia-(kubeconfig|ssh)\/Deployment\/api revision 3 cannot become ready: .*Rolled back sophia-(kubeconfig|ssh)\/Deployment\/api to revision 2\.$/s,
          );
          expect(bad.outputs['rolled-back']).toBe('true');
          expect(await liveImage()).toBe(`${API}:2`);

          const back = await run('rollback', { component: 'kubernetes', workloads: key });
          expect(back.annotations.filter((a) => a.level === 'error')).toEqual([]);
          expect(JSON.parse(back.outputs.from)).toEqual({ [key]: '4' });
          expect(JSON.parse(back.outputs.to)).toEqual({ [key]: '5' });
          expect(await liveImage()).toBe(`${API}:1`);

          const mcp = await run('deploy-mcp-node', {
            manifests: 'mcp-search.yaml',
            namespace,
            'node-address': MCP_ADDRESS,
            'rollout-timeout': '15s',
          });
          expect(mcp.annotations.filter((a) => a.level === 'error')).toEqual([]);
          expect(JSON.parse(mcp.outputs.workloads)).toEqual([`${namespace}/Deployment/mcp-search`]);
          expect(Object.values(JSON.parse(mcp.outputs.placement) as Record<string, string>)).toEqual(['mcp-node']);
        } finally {
          await observer.close();
        }
      },
      // Four bundled action runs (each starting Node and kubectl several times) on a 2-core machine.
      240_000,
    );
  },
);
