import {
  imageOverrides,
  inputsFrom,
  InputReader,
  readKubeConnection,
  readKubernetesDeployInputs,
} from '../src/index.js';
import { runnerInputHooks } from '@sophia/action-runtime';
import { captureStdout, maskedValues } from './capture-stdout.js';

const KUBECONFIG =
  'apiVersion: v1\nkind: Config\nclusters:\n- name: k3s\n  cluster:\n    server: https://127.0.0.1:6443\n';
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n';
const SSH = {
  host: '104.171.202.117',
  user: 'ubuntu',
  'ssh-key': KEY,
  port: '22',
  'host-fingerprint': 'SHA256:' + 'b'.repeat(43),
  'insecure-skip-host-key-check': 'false',
  'connect-timeout': '30s',
  'connect-attempts': '3',
};
const DEFAULTS = { kubectl: 'kubectl', 'kubectl-command': 'sudo -n k3s kubectl' };

function connect(values: Record<string, string>) {
  let result: ReturnType<typeof readKubeConnection> | undefined;
  let error: Error | undefined;
  const stdout = captureStdout(() => {
    try {
      result = readKubeConnection(new InputReader(inputsFrom({ ...DEFAULTS, ...values }), runnerInputHooks));
    } catch (caught) {
      error = caught as Error;
    }
  });
  return { result, error, stdout };
}

describe('readKubeConnection', () => {
  it('reads a kubeconfig: kubectl runs here', () => {
    expect(connect({ kubeconfig: KUBECONFIG }).result).toEqual({
      mode: 'kubeconfig',
      kubeconfig: KUBECONFIG,
      kubectl: 'kubectl',
    });
  });

  it('reads SSH inputs: kubectl runs on the server', () => {
    const { result } = connect(SSH);
    expect(result).toMatchObject({
      mode: 'ssh',
      kubectlCommand: 'sudo -n k3s kubectl',
      ssh: { user: 'ubuntu', port: 22 },
    });
  });

  it('masks every secret before validating anything', () => {
    const { error, stdout } = connect({ ...SSH, kubeconfig: KUBECONFIG });
    expect(error?.message).toBe(
      'Give either input "kubeconfig" or the SSH inputs ("host", "user", "ssh-key"), not both',
    );
    expect(maskedValues(stdout)).toEqual(expect.arrayContaining([KUBECONFIG, KEY, 'server: https://127.0.0.1:6443']));
  });

  it('needs one of the two modes', () => {
    expect(connect({}).error?.message).toBe(
      'Input "kubeconfig" is required (or give "host", "user" and "ssh-key" to run kubectl on the server over SSH)',
    );
  });

  it('refuses content that is not a kubeconfig without quoting it', () => {
    expect(connect({ kubeconfig: 'just-a-token-abcdef' }).error?.message).toBe(
      'Input "kubeconfig" must be the content of a kubeconfig file (YAML with clusters, users and contexts), got a value that does not fit',
    );
  });

  it('runs kubectl over SSH on exactly one server', () => {
    expect(connect({ ...SSH, host: 'a,b' }).error?.message).toBe(
      'Input "host" must be one server when kubectl runs over SSH, got "a,b"',
    );
  });
});

describe('Kubernetes deploy inputs', () => {
  const DEPLOY = {
    manifests: 'kubernetes/production/\nextra/*.yaml',
    images: 'api=ghcr.io/sophia/api:1.4.2\nghcr.io/sophia/web=registry.local:5000/sophia/web@sha256:' + 'a'.repeat(64),
    namespace: 'sophia',
    'rollout-timeout': '5m',
    'server-side': 'true',
    'field-manager': 'sophia-deploy',
    'force-conflicts': 'false',
    'rollback-on-failure': 'true',
    'dry-run': 'false',
  };
  const read = (change: Record<string, string>) =>
    readKubernetesDeployInputs(new InputReader(inputsFrom({ ...DEPLOY, ...change }), runnerInputHooks));

  it('reads a complete set', () => {
    expect(read({})).toEqual({
      manifests: ['kubernetes/production/', 'extra/*.yaml'],
      images: new Map([
        ['api', 'ghcr.io/sophia/api:1.4.2'],
        ['ghcr.io/sophia/web', 'registry.local:5000/sophia/web@sha256:' + 'a'.repeat(64)],
      ]),
      namespace: 'sophia',
      rolloutTimeoutMs: 300_000,
      serverSide: true,
      fieldManager: 'sophia-deploy',
      forceConflicts: false,
      rollbackOnFailure: true,
      dryRun: false,
    });
    expect(read({ images: '', namespace: '' })).toMatchObject({ images: new Map(), namespace: undefined });
  });

  it.each([
    [{ manifests: '' }, 'Input "manifests" is required'],
    [
      { namespace: 'Sophia' },
      'Input "namespace" must be a namespace name (lower-case letters, digits and "-", at most 63 characters), got "Sophia"',
    ],
    [{ 'rollout-timeout': '5' }, 'Input "rollout-timeout" must be a duration such as 500ms, 30s, 5m or 1h, got "5"'],
    [{ 'server-side': 'yes' }, 'Input "server-side" must be a boolean (true or false), got "yes"'],
    [
      { 'field-manager': 'sophia deploy' },
      'Input "field-manager" must be a field manager name (letters, digits, ".", "_", ":" and "-", at most 128 characters), got "sophia deploy"',
    ],
    [{ 'force-conflicts': 'always' }, 'Input "force-conflicts" must be a boolean (true or false), got "always"'],
  ])('reports %j', (change, message) => expect(() => read(change)).toThrow(message));

  it.each([
    ['api', 'Input "images" must be a list of key=value entries, got "api"'],
    [
      'api=ghcr.io/sophia/api:1.4.2 extra',
      'Input "images" must be lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2), got "api=ghcr.io/sophia/api:1.4.2 extra"',
    ],
    ['api=', 'Input "images" must be lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2), got "api="'],
    [
      'a pi=nginx:1',
      'Input "images" must be lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2), got "a pi"',
    ],
  ])('refuses the image line %j', (raw, message) => expect(() => imageOverrides('images', raw)).toThrow(message));
});
