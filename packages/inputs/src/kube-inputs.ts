import { InputError, mustBe } from './input-error.js';
import type { InputReader } from './input-reader.js';
import type { KubeConnection } from '@sophia/kubernetes';
import { readSshInputs } from './ssh-inputs.js';
import { workspacePath } from './paths.js';
import { commandLine } from './scalars.js';

/** Every secret among the connection inputs; masked before any of them is parsed. */
export const KUBE_SECRET_INPUTS = ['kubeconfig', 'ssh-key', 'ssh-key-passphrase'] as const;

/**
 * The connection inputs read into @sophia/kubernetes' `KubeConnection` as they stand: either a
 * kubeconfig (kubectl runs here) or SSH to the server (kubectl runs there), exactly one.
 */
export function readKubeConnection(inputs: InputReader): KubeConnection {
  inputs.maskSecrets(...KUBE_SECRET_INPUTS);
  const kubeconfig = inputs.secret('kubeconfig', { required: false });
  const viaSsh = inputs.given('host');
  if (kubeconfig && viaSsh) {
    throw new InputError(
      'kubeconfig',
      'Give either input "kubeconfig" or the SSH inputs ("host", "user", "ssh-key"), not both',
    );
  }
  if (kubeconfig) {
    if (!/^\s*(apiVersion|clusters|kind|contexts|current-context|users|preferences)\s*:/m.test(kubeconfig)) {
      throw mustBe(
        'kubeconfig',
        'the content of a kubeconfig file (YAML with clusters, users and contexts)',
        kubeconfig,
        true,
      );
    }
    return { mode: 'kubeconfig', kubeconfig, kubectl: inputs.required('kubectl', workspacePath) };
  }
  if (!viaSsh) {
    throw new InputError(
      'kubeconfig',
      'Input "kubeconfig" is required (or give "host", "user" and "ssh-key" to run kubectl on the server over SSH)',
    );
  }
  const ssh = readSshInputs(inputs);
  if (ssh.hosts.length !== 1) {
    throw mustBe('host', 'one server when kubectl runs over SSH', inputs.raw('host'));
  }
  return { mode: 'ssh', ssh, kubectlCommand: inputs.required('kubectl-command', commandLine) };
}
