/**
 * Starts the simulator standalone, for the demo and for trying kubectl by hand:
 *
 *   pnpm exec tsx testing/k3s-simulator/src/cli.ts [--kubeconfig-dir DIR] [--version 1.31] ...
 *
 * Prints the addresses and the kubeconfig path (or one JSON line with --json), then serves
 * until SIGINT / SIGTERM.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_TIMINGS, TEST_TIMINGS, type Timings } from './controllers/context.js';
import { startCluster } from './cluster.js';
import type { NodeSpec } from './nodes.js';

const USAGE = `Usage: cli.ts [options]
  --kubeconfig-dir DIR     where to write the kubeconfig (default: ./.cluster-simulator)
  --version VERSION        Kubernetes version to report (default: v1.33.1+k3s1)
  --host ADDRESS           loopback address to bind (default: 127.0.0.1)
  --https-port PORT        HTTPS port (default: 0, any free port)
  --http-port PORT         plain HTTP port (default: 0, any free port)
  --token TOKEN            bearer token (default: random)
  --transport https|http   server the kubeconfig points at (default: https)
  --auth token|certificate how the kubeconfig authenticates (default: token)
  --timings demo|test      delay preset (default: demo, human-visible)
  --controller-delay-ms N  --scheduler-delay-ms N  --pod-start-ms N
  --backoff-ms N           --job-run-ms N           --second-ms N
  --pod-termination-ms N   how long deleted pods stay Terminating
  --namespace-deletion-ms N  how long a Terminating namespace keeps its contents
  --image-pull-failure RE  images that fail to pull (ImagePullBackOff)
  --crash-loop RE          images that crash (CrashLoopBackOff)
  --node NAME=IP[:role,..] a node (repeatable; replaces the default k3s-server + mcp-node)
  --bare                   leave out what k3s adds (its CRDs, local-path, traefik, kube-system workloads)
  --json                   print one JSON line with the addresses instead of text
  --help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) fail(`--${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function regex(name: string, value: string | undefined): RegExp | undefined {
  if (value === undefined) return undefined;
  try {
    return new RegExp(value);
  } catch (error) {
    fail(`--${name} must be a regular expression: ${(error as Error).message}`);
  }
}

function parseNode(text: string): NodeSpec {
  const match = /^([a-z0-9][a-z0-9.-]*)=([0-9a-fA-F:.]+)(?::(.+))?$/.exec(text);
  if (!match) fail(`--node must look like NAME=IP or NAME=IP:role1,role2, got "${text}"`);
  return { name: match[1], internalIp: match[2], roles: match[3] ? match[3].split(',') : undefined };
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        'kubeconfig-dir': { type: 'string' },
        version: { type: 'string' },
        host: { type: 'string' },
        'https-port': { type: 'string' },
        'http-port': { type: 'string' },
        token: { type: 'string' },
        transport: { type: 'string' },
        auth: { type: 'string' },
        timings: { type: 'string' },
        'controller-delay-ms': { type: 'string' },
        'scheduler-delay-ms': { type: 'string' },
        'pod-start-ms': { type: 'string' },
        'backoff-ms': { type: 'string' },
        'job-run-ms': { type: 'string' },
        'pod-termination-ms': { type: 'string' },
        'namespace-deletion-ms': { type: 'string' },
        'second-ms': { type: 'string' },
        'image-pull-failure': { type: 'string' },
        'crash-loop': { type: 'string' },
        node: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        bare: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const values = parsed.values;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const preset = values.timings ?? 'demo';
  if (preset !== 'demo' && preset !== 'test') fail(`--timings must be demo or test, got "${preset}"`);
  const transport = values.transport ?? 'https';
  if (transport !== 'https' && transport !== 'http') fail(`--transport must be https or http, got "${transport}"`);
  const auth = values.auth ?? 'token';
  if (auth !== 'token' && auth !== 'certificate') fail(`--auth must be token or certificate, got "${auth}"`);
  const base = preset === 'demo' ? DEMO_TIMINGS : TEST_TIMINGS;
  const overrides: Partial<Record<keyof Timings, number | undefined>> = {
    controllerDelayMs: integer('controller-delay-ms', values['controller-delay-ms']),
    schedulerDelayMs: integer('scheduler-delay-ms', values['scheduler-delay-ms']),
    podStartDelayMs: integer('pod-start-ms', values['pod-start-ms']),
    backOffDelayMs: integer('backoff-ms', values['backoff-ms']),
    jobRunMs: integer('job-run-ms', values['job-run-ms']),
    podTerminationMs: integer('pod-termination-ms', values['pod-termination-ms']),
    namespaceDeletionDelayMs: integer('namespace-deletion-ms', values['namespace-deletion-ms']),
    secondMs: integer('second-ms', values['second-ms']),
  };
  const timings: Timings = { ...base };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) timings[key as keyof Timings] = value;
  const imagePullFailure = regex('image-pull-failure', values['image-pull-failure']);
  const crashLoop = regex('crash-loop', values['crash-loop']);

  const cluster = await startCluster({
    version: values.version,
    host: values.host,
    httpsPort: integer('https-port', values['https-port']),
    httpPort: integer('http-port', values['http-port']),
    token: values.token,
    nodes: values.node?.map(parseNode),
    k3sDefaults: !values.bare,
    timings,
    failures: { ...(imagePullFailure ? { imagePullFailure } : {}), ...(crashLoop ? { crashLoop } : {}) },
  });
  const kubeconfig = cluster.writeKubeconfig(resolve(values['kubeconfig-dir'] ?? '.cluster-simulator'), {
    transport,
    auth,
  });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ url: cluster.url, httpsUrl: cluster.httpsUrl, kubeconfig, pid: process.pid })}\n`,
    );
  } else {
    process.stdout.write(
      [
        'Kubernetes API simulator ready',
        `  https:      ${cluster.httpsUrl}`,
        `  http:       ${cluster.url}`,
        `  nodes:      ${cluster.nodes
          .list()
          .map((node) => node.metadata.name)
          .join(', ')}`,
        `  kubeconfig: ${kubeconfig}`,
        '',
        `  export KUBECONFIG=${kubeconfig}`,
        '  kubectl get nodes -o wide',
        '',
      ].join('\n'),
    );
  }
  const shutdown = (): void => {
    cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`cluster simulator failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
