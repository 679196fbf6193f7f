/**
 * Defaulting as the API server performs it on write. It matters for kubectl's verdicts:
 * rollout undo copies a ReplicaSet's (defaulted) template back, rollout status reads the
 * defaulted strategy, and `get -o json` should look like a real cluster's answer.
 */
import type { Json, StoredObject } from './types.js';

function defaultContainer(container: Json): void {
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  if (container.imagePullPolicy === undefined) {
    const image: string = container.image ?? '';
    const tagged = /:[^/]+$/.test(image.replace(/@.*$/, '')) || image.includes('@');
    container.imagePullPolicy = !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
  }
  container.resources ??= {};
  for (const port of container.ports ?? []) port.protocol ??= 'TCP';
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
    if (!probe) continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
  }
}

export function defaultPodSpec(spec: Json): void {
  if (!spec) return;
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) defaultContainer(container);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap) volume.configMap.defaultMode ??= 420;
    if (volume.secret) volume.secret.defaultMode ??= 420;
  }
}

function percentOrInt(value: Json, fallback: string): Json {
  return value ?? fallback;
}

function defaultDeployment(object: StoredObject): void {
  const spec = (object.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxSurge = percentOrInt(spec.strategy.rollingUpdate.maxSurge, '25%');
    spec.strategy.rollingUpdate.maxUnavailable = percentOrInt(spec.strategy.rollingUpdate.maxUnavailable, '25%');
  }
  defaultPodSpec(spec.template?.spec);
}

function defaultStatefulSet(object: StoredObject): void {
  const spec = (object.spec ??= {});
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.podManagementPolicy ??= 'OrderedReady';
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.partition ??= 0;
  }
  spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
  defaultPodSpec(spec.template?.spec);
}

function defaultDaemonSet(object: StoredObject): void {
  const spec = (object.spec ??= {});
  spec.revisionHistoryLimit ??= 10;
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
    spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
  }
  defaultPodSpec(spec.template?.spec);
}

function defaultJobSpec(spec: Json, uid?: string, name?: string): void {
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.template ??= {};
  spec.template.spec ??= {};
  spec.template.spec.restartPolicy ??= 'Never';
  if (uid && name && !spec.selector) {
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    spec.template.metadata ??= {};
    spec.template.metadata.labels = {
      ...(spec.template.metadata.labels ?? {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': name,
      'controller-uid': uid,
      'job-name': name,
    };
  }
  defaultPodSpec(spec.template.spec);
}

export interface DefaultingContext {
  allocateClusterIp(): string;
}

function defaultService(object: StoredObject, context: DefaultingContext): void {
  const spec = (object.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = context.allocateClusterIp();
    spec.clusterIPs ??= spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  for (const port of spec.ports ?? []) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
  }
  object.status ??= { loadBalancer: {} };
}

export function applyDefaults(object: StoredObject, context: DefaultingContext): void {
  const metadata = object.metadata;
  switch (object.kind) {
    case 'Namespace':
      metadata.labels = { ...(metadata.labels ?? {}), 'kubernetes.io/metadata.name': metadata.name };
      object.spec ??= { finalizers: ['kubernetes'] };
      object.status ??= { phase: 'Active' };
      break;
    case 'Pod':
      defaultPodSpec(object.spec);
      object.spec.serviceAccountName ??= 'default';
      object.spec.serviceAccount ??= object.spec.serviceAccountName;
      object.spec.enableServiceLinks ??= true;
      object.spec.priority ??= 0;
      object.spec.preemptionPolicy ??= 'PreemptLowerPriority';
      object.spec.tolerations ??= [];
      for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
        if (!object.spec.tolerations.some((toleration: Json) => toleration.key === key)) {
          object.spec.tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
        }
      }
      object.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Service':
      defaultService(object, context);
      break;
    case 'Secret':
      object.type ??= 'Opaque';
      break;
    case 'Deployment':
      defaultDeployment(object);
      break;
    case 'ReplicaSet':
      object.spec ??= {};
      object.spec.replicas ??= 1;
      defaultPodSpec(object.spec.template?.spec);
      break;
    case 'StatefulSet':
      defaultStatefulSet(object);
      break;
    case 'DaemonSet':
      defaultDaemonSet(object);
      break;
    case 'Job':
      defaultJobSpec((object.spec ??= {}), metadata.uid, metadata.name);
      break;
    case 'CronJob':
      object.spec ??= {};
      object.spec.concurrencyPolicy ??= 'Allow';
      object.spec.suspend ??= false;
      object.spec.successfulJobsHistoryLimit ??= 3;
      object.spec.failedJobsHistoryLimit ??= 1;
      if (object.spec.jobTemplate?.spec) defaultJobSpec(object.spec.jobTemplate.spec);
      break;
    case 'Ingress':
      for (const rule of object.spec?.rules ?? []) {
        for (const path of rule.http?.paths ?? []) path.pathType ??= 'ImplementationSpecific';
      }
      object.status ??= { loadBalancer: {} };
      break;
  }
}

/** Secrets accept `stringData` on write; the server folds it into base64 `data`. */
export function foldStringData(object: StoredObject): void {
  if (object.kind !== 'Secret' || !object.stringData) return;
  object.data = { ...(object.data ?? {}) };
  for (const [key, value] of Object.entries(object.stringData)) {
    object.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  delete object.stringData;
}
