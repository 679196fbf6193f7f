/**
 * Unknown-field detection for `fieldValidation=Strict` (kubectl's default `--validate=strict`)
 * and `Warn`. The known fields of the simulated kinds are listed here; subtrees marked ANY are
 * not checked (their shapes vary or do not matter for kubectl's verdicts).
 */
import { isPlainObject, type Json, type StoredObject } from './types.js';

const ANY = 'any';
type Shape = typeof ANY | { [field: string]: Shape } | { list: Shape };

const list = (shape: Shape): Shape => ({ list: shape });
const fields = (names: string, extra: Record<string, Shape> = {}): Record<string, Shape> => ({
  ...Object.fromEntries(
    names
      .split(/\s+/)
      .filter(Boolean)
      .map((name) => [name, ANY as Shape]),
  ),
  ...extra,
});

const OBJECT_META = fields(
  'name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences finalizers managedFields',
);
const CONTAINER = fields(
  'name image command args workingDir envFrom resources livenessProbe readinessProbe startupProbe lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext stdin stdinOnce tty volumeDevices resizePolicy restartPolicy',
  {
    ports: list(fields('name hostPort containerPort protocol hostIP')),
    env: list(fields('name value valueFrom')),
    volumeMounts: list(fields('name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr')),
  },
);
const POD_SPEC = fields(
  'volumes restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources',
  { containers: list(CONTAINER), initContainers: list(CONTAINER), ephemeralContainers: list(CONTAINER) },
);
const POD_TEMPLATE = { metadata: OBJECT_META, spec: POD_SPEC };
const JOB_SPEC = fields(
  'parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit backoffLimitPerIndex maxFailedIndexes selector manualSelector ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy',
  { template: POD_TEMPLATE },
);

const KINDS: Record<string, Record<string, Shape>> = {
  Deployment: {
    spec: fields('replicas selector minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds', {
      template: POD_TEMPLATE,
      strategy: { type: ANY, rollingUpdate: fields('maxSurge maxUnavailable') },
    }),
  },
  ReplicaSet: { spec: fields('replicas minReadySeconds selector', { template: POD_TEMPLATE }) },
  StatefulSet: {
    spec: fields(
      'replicas selector volumeClaimTemplates serviceName podManagementPolicy updateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy ordinals',
      { template: POD_TEMPLATE },
    ),
  },
  DaemonSet: {
    spec: fields('selector updateStrategy minReadySeconds revisionHistoryLimit', { template: POD_TEMPLATE }),
  },
  Job: { spec: JOB_SPEC },
  CronJob: {
    spec: fields(
      'schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend successfulJobsHistoryLimit failedJobsHistoryLimit',
      {
        jobTemplate: { metadata: OBJECT_META, spec: JOB_SPEC },
      },
    ),
  },
  Pod: { spec: POD_SPEC },
  Service: {
    spec: fields(
      'selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution',
      { ports: list(fields('name protocol appProtocol port targetPort nodePort')) },
    ),
  },
  Ingress: {
    spec: fields('ingressClassName defaultBackend tls', {
      rules: list({ host: ANY, http: { paths: list(fields('path pathType backend')) } }),
    }),
  },
  ConfigMap: fields('data binaryData immutable'),
  Secret: fields('data stringData type immutable'),
  ServiceAccount: fields('secrets imagePullSecrets automountServiceAccountToken'),
  Namespace: { spec: fields('finalizers') },
};

export interface UnknownField {
  /** `spec.template.spec.containers[0].imagee` (strict decoding's spelling). */
  indexed: string;
  /** `.spec.template.spec.containers[name="app"].imagee` (server-side apply's spelling). */
  keyed: string;
}

function walk(value: Json, shape: Shape, indexed: string, keyed: string, out: UnknownField[]): void {
  if (shape === ANY || value === null || value === undefined) return;
  if ('list' in shape && Object.keys(shape).length === 1) {
    if (!Array.isArray(value)) return;
    value.forEach((item, index) => {
      const key = isPlainObject(item) && typeof item.name === 'string' ? `[name="${item.name}"]` : `[${index}]`;
      walk(item, (shape as { list: Shape }).list, `${indexed}[${index}]`, `${keyed}${key}`, out);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  const known = shape as Record<string, Shape>;
  for (const [field, child] of Object.entries(value)) {
    const childIndexed = indexed ? `${indexed}.${field}` : field;
    const childKeyed = `${keyed}.${field}`;
    if (!(field in known)) out.push({ indexed: childIndexed, keyed: childKeyed });
    else walk(child, known[field], childIndexed, childKeyed, out);
  }
}

/** Fields of `object` its kind does not declare (status and metadata are checked too). */
export function unknownFields(object: StoredObject): UnknownField[] {
  const kindShape = KINDS[object.kind ?? ''];
  if (!kindShape) return [];
  const shape: Record<string, Shape> = { apiVersion: ANY, kind: ANY, metadata: OBJECT_META, status: ANY, ...kindShape };
  const out: UnknownField[] = [];
  walk(object, shape, '', '', out);
  return out;
}
