/**
 * Decoding of the Kubernetes protobuf envelope for the objects kubectl 1.32+ creates with typed
 * clients (`kubectl create namespace|configmap|secret|serviceaccount|deployment|service|job`, and the
 * DeleteOptions of `kubectl drain`):
 * those send `application/vnd.kubernetes.protobuf` bodies and do not fall back to JSON. Only the
 * fields of these types are mapped (field numbers from the Kubernetes generated.proto files).
 */
import { ApiError } from './status.js';
import type { Json } from './types.js';

type FieldType =
  | 'string'
  | 'int'
  | 'bool'
  | 'bytes'
  | 'time'
  | 'intOrString'
  | 'quantity'
  | 'stringMap'
  | 'bytesMap'
  | 'quantityMap'
  | { message: string };

interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** Optional (pointer) fields keep zero values; plain fields drop them, as Go's omitempty does. */
  pointer?: boolean;
}

type MessageSpec = Record<number, FieldSpec>;

const f = (name: string, type: FieldType, extra: Partial<FieldSpec> = {}): FieldSpec => ({ name, type, ...extra });
const m = (message: string): FieldType => ({ message });

const MESSAGES: Record<string, MessageSpec> = {
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int'),
    8: f('creationTimestamp', 'time'),
    11: f('labels', 'stringMap'),
    12: f('annotations', 'stringMap'),
    13: f('ownerReferences', m('OwnerReference'), { repeated: true }),
    14: f('finalizers', 'string', { repeated: true }),
  },
  OwnerReference: {
    1: f('kind', 'string'),
    3: f('name', 'string'),
    4: f('uid', 'string'),
    5: f('apiVersion', 'string'),
    6: f('controller', 'bool', { pointer: true }),
    7: f('blockOwnerDeletion', 'bool', { pointer: true }),
  },
  Namespace: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('NamespaceSpec')) },
  NamespaceSpec: { 1: f('finalizers', 'string', { repeated: true }) },
  ConfigMap: {
    1: f('metadata', m('ObjectMeta')),
    2: f('data', 'stringMap'),
    3: f('binaryData', 'bytesMap'),
    4: f('immutable', 'bool', { pointer: true }),
  },
  Secret: {
    1: f('metadata', m('ObjectMeta')),
    2: f('data', 'bytesMap'),
    3: f('type', 'string'),
    4: f('stringData', 'stringMap'),
    5: f('immutable', 'bool', { pointer: true }),
  },
  ServiceAccount: {
    1: f('metadata', m('ObjectMeta')),
    3: f('imagePullSecrets', m('LocalObjectReference'), { repeated: true }),
    4: f('automountServiceAccountToken', 'bool', { pointer: true }),
  },
  LocalObjectReference: { 1: f('name', 'string') },
  Deployment: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('DeploymentSpec')) },
  DeploymentSpec: {
    1: f('replicas', 'int', { pointer: true }),
    2: f('selector', m('LabelSelector')),
    3: f('template', m('PodTemplateSpec')),
    4: f('strategy', m('DeploymentStrategy')),
    5: f('minReadySeconds', 'int'),
    6: f('revisionHistoryLimit', 'int', { pointer: true }),
    7: f('paused', 'bool'),
    9: f('progressDeadlineSeconds', 'int', { pointer: true }),
  },
  DeploymentStrategy: { 1: f('type', 'string'), 2: f('rollingUpdate', m('RollingUpdateDeployment')) },
  RollingUpdateDeployment: { 1: f('maxUnavailable', 'intOrString'), 2: f('maxSurge', 'intOrString') },
  LabelSelector: {
    1: f('matchLabels', 'stringMap'),
    2: f('matchExpressions', m('LabelSelectorRequirement'), { repeated: true }),
  },
  LabelSelectorRequirement: {
    1: f('key', 'string'),
    2: f('operator', 'string'),
    3: f('values', 'string', { repeated: true }),
  },
  PodTemplateSpec: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('PodSpec')) },
  PodSpec: {
    2: f('containers', m('Container'), { repeated: true }),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int', { pointer: true }),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', 'stringMap'),
    8: f('serviceAccountName', 'string'),
    10: f('nodeName', 'string'),
    14: f('securityContext', m('Empty')),
    15: f('imagePullSecrets', m('LocalObjectReference'), { repeated: true }),
    19: f('schedulerName', 'string'),
    20: f('initContainers', m('Container'), { repeated: true }),
  },
  Empty: {},
  Container: {
    1: f('name', 'string'),
    2: f('image', 'string'),
    3: f('command', 'string', { repeated: true }),
    4: f('args', 'string', { repeated: true }),
    5: f('workingDir', 'string'),
    6: f('ports', m('ContainerPort'), { repeated: true }),
    7: f('env', m('EnvVar'), { repeated: true }),
    8: f('resources', m('ResourceRequirements')),
    13: f('terminationMessagePath', 'string'),
    14: f('imagePullPolicy', 'string'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
    20: f('terminationMessagePolicy', 'string'),
  },
  ContainerPort: {
    1: f('name', 'string'),
    2: f('hostPort', 'int'),
    3: f('containerPort', 'int'),
    4: f('protocol', 'string'),
    5: f('hostIP', 'string'),
  },
  EnvVar: { 1: f('name', 'string'), 2: f('value', 'string') },
  ResourceRequirements: { 1: f('limits', 'quantityMap'), 2: f('requests', 'quantityMap') },
  Service: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('ServiceSpec')) },
  ServiceSpec: {
    1: f('ports', m('ServicePort'), { repeated: true }),
    2: f('selector', 'stringMap'),
    3: f('clusterIP', 'string'),
    4: f('type', 'string'),
    5: f('externalIPs', 'string', { repeated: true }),
    7: f('sessionAffinity', 'string'),
    10: f('externalName', 'string'),
    18: f('clusterIPs', 'string', { repeated: true }),
  },
  ServicePort: {
    1: f('name', 'string'),
    2: f('protocol', 'string'),
    3: f('port', 'int'),
    4: f('targetPort', 'intOrString'),
    5: f('nodePort', 'int'),
  },
  Job: { 1: f('metadata', m('ObjectMeta')), 2: f('spec', m('JobSpec')) },
  JobSpec: {
    1: f('parallelism', 'int', { pointer: true }),
    2: f('completions', 'int', { pointer: true }),
    3: f('activeDeadlineSeconds', 'int', { pointer: true }),
    4: f('selector', m('LabelSelector')),
    6: f('template', m('PodTemplateSpec')),
    7: f('backoffLimit', 'int', { pointer: true }),
    8: f('ttlSecondsAfterFinished', 'int', { pointer: true }),
    10: f('suspend', 'bool', { pointer: true }),
  },
  DeleteOptions: {
    1: f('gracePeriodSeconds', 'int', { pointer: true }),
    2: f('preconditions', m('Preconditions')),
    3: f('orphanDependents', 'bool', { pointer: true }),
    4: f('propagationPolicy', 'string'),
    5: f('dryRun', 'string', { repeated: true }),
  },
  Preconditions: { 1: f('uid', 'string'), 2: f('resourceVersion', 'string') },
  Time: {},
};

interface WireField {
  number: number;
  wireType: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readVarint(buffer: Buffer, offset: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  let position = offset;
  for (;;) {
    if (position >= buffer.length) throw new Error('truncated varint');
    const byte = buffer[position++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, position];
    shift += 7n;
  }
}

function readFields(buffer: Buffer): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const [key, afterKey] = readVarint(buffer, offset);
    offset = afterKey;
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) {
      const [value, next] = readVarint(buffer, offset);
      fields.push({ number, wireType, varint: value });
      offset = next;
    } else if (wireType === 2) {
      const [length, next] = readVarint(buffer, offset);
      const end = next + Number(length);
      fields.push({ number, wireType, bytes: buffer.subarray(next, end) });
      offset = end;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  return fields;
}

function toSignedNumber(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

/** An int64 field: a number, or a BigInt beyond 2^53, which a number would round. */
function toInt64(value: bigint): number | bigint {
  const signed = BigInt.asIntN(64, value);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed;
}

function decodeTime(bytes: Buffer): string | null {
  const fields = readFields(bytes);
  const seconds = toSignedNumber(fields.find((field) => field.number === 1)?.varint ?? 0n);
  if (seconds === 0) return null;
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function decodeIntOrString(bytes: Buffer): number | string {
  const fields = readFields(bytes);
  const kind = Number(fields.find((field) => field.number === 1)?.varint ?? 0n);
  if (kind === 1) return (fields.find((field) => field.number === 3)?.bytes ?? Buffer.alloc(0)).toString('utf8');
  return toSignedNumber(fields.find((field) => field.number === 2)?.varint ?? 0n);
}

function decodeMapEntry(bytes: Buffer, value: 'string' | 'bytes' | 'quantity'): [string, string] {
  const fields = readFields(bytes);
  const key = (fields.find((field) => field.number === 1)?.bytes ?? Buffer.alloc(0)).toString('utf8');
  const raw = fields.find((field) => field.number === 2)?.bytes ?? Buffer.alloc(0);
  if (value === 'bytes') return [key, raw.toString('base64')];
  if (value === 'quantity')
    return [key, (readFields(raw).find((field) => field.number === 1)?.bytes ?? Buffer.alloc(0)).toString('utf8')];
  return [key, raw.toString('utf8')];
}

function decodeValue(field: WireField, spec: FieldSpec): Json {
  const type = spec.type;
  if (typeof type === 'object') return decodeMessage(field.bytes ?? Buffer.alloc(0), type.message);
  switch (type) {
    case 'string':
      return (field.bytes ?? Buffer.alloc(0)).toString('utf8');
    case 'bytes':
      return (field.bytes ?? Buffer.alloc(0)).toString('base64');
    case 'int':
      return toInt64(field.varint ?? 0n);
    case 'bool':
      return (field.varint ?? 0n) !== 0n;
    case 'time':
      return decodeTime(field.bytes ?? Buffer.alloc(0));
    case 'intOrString':
      return decodeIntOrString(field.bytes ?? Buffer.alloc(0));
    case 'quantity':
      return (
        readFields(field.bytes ?? Buffer.alloc(0)).find((entry) => entry.number === 1)?.bytes ?? Buffer.alloc(0)
      ).toString('utf8');
    default:
      return undefined;
  }
}

function isZero(value: Json): boolean {
  return value === '' || value === 0 || value === false || value === null || value === undefined;
}

function decodeMessage(bytes: Buffer, name: string): Json {
  const spec = MESSAGES[name] ?? {};
  const result: Record<string, Json> = {};
  for (const field of readFields(bytes)) {
    const fieldSpec = spec[field.number];
    if (!fieldSpec) continue;
    if (fieldSpec.type === 'stringMap' || fieldSpec.type === 'bytesMap' || fieldSpec.type === 'quantityMap') {
      const valueKind =
        fieldSpec.type === 'bytesMap' ? 'bytes' : fieldSpec.type === 'quantityMap' ? 'quantity' : 'string';
      const [key, value] = decodeMapEntry(field.bytes ?? Buffer.alloc(0), valueKind);
      result[fieldSpec.name] = { ...(result[fieldSpec.name] ?? {}), [key]: value };
      continue;
    }
    const value = decodeValue(field, fieldSpec);
    if (fieldSpec.repeated) {
      result[fieldSpec.name] = [...(result[fieldSpec.name] ?? []), value];
      continue;
    }
    if (!fieldSpec.pointer && isZero(value)) continue;
    result[fieldSpec.name] = value;
  }
  return result;
}

const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Turns a `k8s\0` protobuf body into the JSON object it encodes (for the kinds above). */
export function decodeKubernetesProtobuf(body: Buffer): Json {
  if (!body.subarray(0, 4).equals(PROTOBUF_MAGIC)) {
    throw new ApiError(400, 'BadRequest', 'the body of the request was not a Kubernetes protobuf envelope');
  }
  const envelope = readFields(body.subarray(4));
  const typeMeta = readFields(envelope.find((field) => field.number === 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = (typeMeta.find((field) => field.number === 1)?.bytes ?? Buffer.alloc(0)).toString('utf8');
  const kind = (typeMeta.find((field) => field.number === 2)?.bytes ?? Buffer.alloc(0)).toString('utf8');
  if (!MESSAGES[kind] || !['v1', 'apps/v1', 'batch/v1', 'meta.k8s.io/v1'].includes(apiVersion)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `protobuf bodies of ${apiVersion}/${kind} are not supported by the simulator: send JSON`,
    );
  }
  const raw = envelope.find((field) => field.number === 2)?.bytes ?? Buffer.alloc(0);
  return { apiVersion, kind, ...decodeMessage(raw, kind) };
}
