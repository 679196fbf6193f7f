import { actionInputs } from '@sophia/action-runtime';
import {
  boolean,
  commandLine,
  duration,
  InputError,
  InputReader,
  KUBE_SECRET_INPUTS,
  labelSelector,
  listOf,
  mustBe,
  namespaceName,
  oneOf,
  readKubeConnection,
  readSshInputs,
  releaseId,
  remotePath,
  workloadRef,
  type KubeConnection,
  type SshSettings,
  type WorkloadRef,
} from '@sophia/inputs';

/** `previous` skips releases and revisions marked failed; a named one is taken as asked. */
export type FrontendRollbackTarget = { kind: 'previous' } | { kind: 'release'; releaseId: string };
export type KubernetesRollbackTarget = { kind: 'previous' } | { kind: 'revision'; revision: number };

export interface FrontendRollbackSettings {
  component: 'frontend';
  to: FrontendRollbackTarget;
  markFailed: boolean;
  target: string;
  /** Undefined when the user blanked the input to skip the reload. */
  nginxReloadCommand?: string;
  lockTimeoutMs: number;
  ssh: SshSettings;
}

export interface KubernetesRollbackSettings {
  component: 'kubernetes';
  to: KubernetesRollbackTarget;
  markFailed: boolean;
  namespace?: string;
  workloads: { by: 'list'; refs: WorkloadRef[] } | { by: 'selector'; selector: string };
  connection: KubeConnection;
}

export type RollbackSettings = FrontendRollbackSettings | KubernetesRollbackSettings;

function revisionTarget(raw: string): KubernetesRollbackTarget {
  if (!/^[1-9]\d{0,9}$/.test(raw.trim())) throw mustBe('to', '"previous" or a revision number (1, 2, ...)', raw);
  return { kind: 'revision', revision: Number(raw.trim()) };
}

function readWorkloads(reader: InputReader): KubernetesRollbackSettings['workloads'] {
  const refs = reader.optional('workloads', listOf(workloadRef, 'newline'));
  const selector = reader.optional('selector', labelSelector);
  if (refs !== undefined && selector !== undefined) {
    throw new InputError('workloads', 'Give either input "workloads" or input "selector", not both');
  }
  if (refs !== undefined) return { by: 'list', refs };
  if (selector !== undefined) return { by: 'selector', selector };
  throw new InputError(
    'workloads',
    'Input "workloads" or input "selector" is required when component is kubernetes (such as deployment/api)',
  );
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs()): RollbackSettings {
  reader.maskSecrets(...KUBE_SECRET_INPUTS);
  const component = reader.required('component', oneOf(['frontend', 'kubernetes'] as const));
  const toRaw = reader.required('to');
  const markFailed = reader.required('mark-failed', boolean);
  if (component === 'frontend') {
    const to: FrontendRollbackTarget =
      toRaw.trim() === 'previous' ? { kind: 'previous' } : { kind: 'release', releaseId: releaseId('to', toRaw) };
    return {
      component,
      to,
      markFailed,
      target: reader.required('target', remotePath),
      nginxReloadCommand: reader.optional('nginx-reload-command', commandLine),
      lockTimeoutMs: reader.required('lock-timeout', duration({ maxMs: 3_600_000 })),
      ssh: readSshInputs(reader),
    };
  }
  const to: KubernetesRollbackTarget = toRaw.trim() === 'previous' ? { kind: 'previous' } : revisionTarget(toRaw);
  return {
    component,
    to,
    markFailed,
    namespace: reader.optional('namespace', namespaceName),
    workloads: readWorkloads(reader),
    connection: readKubeConnection(reader),
  };
}
