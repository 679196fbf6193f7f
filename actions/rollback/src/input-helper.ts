import type { SshConnectRequest } from '@sophia/ssh';
import { actionInputs } from '@sophia/action-runtime';
import {
  boolean,
  commandLine,
  duration,
  InputReader,
  KUBE_SECRET_INPUTS,
  labelSelector,
  mustBe,
  namespaceName,
  oneOf,
  readKubeConnection,
  readSshInputs,
  releaseId,
  remotePath,
  workloadRefs,
} from '@sophia/inputs';
import type { ExecuteOptions, KubeConnection, planRollback, RevisionTarget } from '@sophia/kubernetes';
import type { FrontendRollbackRequest, ReleaseTarget } from '@sophia/releases';

/**
 * The frontend rollback request as the inputs give it (`to: previous` skips releases marked failed;
 * a named one is taken as asked; a blank nginx-reload-command skips the reload), plus the hosts.
 * The request fields go to `rollbackFrontend` as read, with no copy in between.
 */
export interface FrontendRollbackSettings extends Pick<
  FrontendRollbackRequest,
  'to' | 'markFailed' | 'target' | 'nginxTestCommand' | 'nginxReloadCommand' | 'lockTimeoutMs'
> {
  component: 'frontend';
  ssh: SshConnectRequest;
}

/** What `planRollback` takes: the workloads, their namespace and the revision to go to. */
type RollbackPlanRequest = Parameters<typeof planRollback>[1];

/**
 * The Kubernetes rollback as the inputs give it (`to: previous` skips revisions marked failed), plus
 * the connection; it is `planRollback`'s request as read, with no copy in between.
 */
export interface KubernetesRollbackSettings extends RollbackPlanRequest, Pick<ExecuteOptions, 'markFailed'> {
  component: 'kubernetes';
  connection: KubeConnection;
}

/**
 * The rollback action's inputs, by `target` input: the frontend's releases over SSH, or Kubernetes workloads'
 * revisions.
 */
export type RollbackSettings = FrontendRollbackSettings | KubernetesRollbackSettings;

function revisionTarget(raw: string): RevisionTarget {
  if (!/^[1-9]\d{0,9}$/.test(raw.trim())) throw mustBe('to', '"previous" or a revision number (1, 2, ...)', raw);
  return { kind: 'revision', revision: Number(raw.trim()) };
}

function readWorkloads(reader: InputReader): KubernetesRollbackSettings['workloads'] {
  const given = reader.exactlyOne(
    ['workloads', workloadRefs],
    ['selector', labelSelector],
    ' when component is kubernetes (such as deployment/api)',
  );
  return given.first !== undefined ? { by: 'list', refs: given.first } : { by: 'selector', selector: given.second };
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs()): RollbackSettings {
  reader.maskSecrets(...KUBE_SECRET_INPUTS);
  const component = reader.required('component', oneOf(['frontend', 'kubernetes'] as const));
  const toRaw = reader.required('to');
  const markFailed = reader.required('mark-failed', boolean);
  if (component === 'frontend') {
    const to: ReleaseTarget =
      toRaw.trim() === 'previous' ? { kind: 'previous' } : { kind: 'release', releaseId: releaseId('to', toRaw) };
    return {
      component,
      to,
      markFailed,
      target: reader.required('target', remotePath),
      nginxTestCommand: reader.optional('nginx-test-command', commandLine),
      nginxReloadCommand: reader.optional('nginx-reload-command', commandLine),
      lockTimeoutMs: reader.required('lock-timeout', duration({ maxMs: 3_600_000 })),
      ssh: readSshInputs(reader),
    };
  }
  const to: RevisionTarget = toRaw.trim() === 'previous' ? { kind: 'previous' } : revisionTarget(toRaw);
  return {
    component,
    to,
    markFailed,
    namespace: reader.optional('namespace', namespaceName),
    workloads: readWorkloads(reader),
    connection: readKubeConnection(reader),
  };
}
