/** The validation rules whose verdicts kubectl users meet most; messages follow the API server's. */
import { matchesLabelSelector } from './selectors.js';
import { invalid, type StatusCause } from './status.js';
import { jsonEqual, type Json, type StoredObject } from './types.js';
import type { ResourceType } from './resources.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function goMap(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return `map[string]string{${entries.map(([key, value]) => `"${key}":"${value}"`).join(', ')}}`;
}

/** apimachinery's `validation.IsValidPortNum`, as `ValidatePortNumOrName`'s callers word it. */
function validatePortNumber(value: Json, field: string, causes: StatusCause[]): void {
  if (typeof value === 'number' && (value < 1 || value > 65535)) {
    causes.push({
      type: 'FieldValueInvalid',
      message: `Invalid value: ${value}: must be between 1 and 65535, inclusive`,
      field,
    });
  }
}

function validatePodSpec(spec: Json, path: string, causes: StatusCause[]): void {
  const containers: Json[] = spec?.containers ?? [];
  if (containers.length === 0) {
    causes.push({ type: 'FieldValueRequired', message: 'Required value', field: `${path}.containers` });
  }
  containers.forEach((container, index) => {
    if (!container.name)
      causes.push({
        type: 'FieldValueRequired',
        message: 'Required value',
        field: `${path}.containers[${index}].name`,
      });
    if (!container.image)
      causes.push({
        type: 'FieldValueRequired',
        message: 'Required value',
        field: `${path}.containers[${index}].image`,
      });
    for (const [portIndex, port] of ((container.ports ?? []) as Json[]).entries()) {
      validatePortNumber(port?.containerPort, `${path}.containers[${index}].ports[${portIndex}].containerPort`, causes);
    }
  });
  // ValidatePodSpec checks the tolerations after the containers.
  validateTolerations(spec?.tolerations, `${path}.tolerations`, causes);
}

/**
 * pkg/apis/core/validation ValidateTolerations, its rule on keys: an empty key matches every taint key, which the
 * API allows only with `Exists` (match all keys and values); `Equal` or no operator there is refused.
 */
function validateTolerations(tolerations: Json, path: string, causes: StatusCause[]): void {
  for (const [index, toleration] of (Array.isArray(tolerations) ? tolerations : []).entries()) {
    if (!toleration?.key && toleration?.operator !== 'Exists') {
      causes.push({
        type: 'FieldValueInvalid',
        message: `Invalid value: "${toleration?.operator ?? ''}": operator must be Exists when \`key\` is empty, which means "match all values and all keys"`,
        field: `${path}[${index}].operator`,
      });
    }
  }
}

function validateWorkloadSelector(object: StoredObject, causes: StatusCause[]): void {
  const selector = object.spec?.selector;
  const labels = object.spec?.template?.metadata?.labels;
  if (!selector) {
    causes.push({ type: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
    return;
  }
  if (!matchesLabelSelector(selector, labels)) {
    causes.push({
      type: 'FieldValueInvalid',
      message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``,
      field: 'spec.template.metadata.labels',
    });
  }
}

export function validateObject(type: ResourceType, object: StoredObject, previous?: StoredObject): void {
  const causes: StatusCause[] = [];
  const name: string = object.metadata?.name ?? '';
  const nameRule = type.kind === 'Namespace' || type.kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (!name)
    causes.push({
      type: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  else if (!nameRule.test(name) || name.length > 253) {
    causes.push({
      type: 'FieldValueInvalid',
      message: `Invalid value: "${name}": a lowercase RFC 1123 ${nameRule === DNS_LABEL ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      field: 'metadata.name',
    });
  }
  switch (type.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      validateWorkloadSelector(object, causes);
      validatePodSpec(object.spec?.template?.spec, 'spec.template.spec', causes);
      if (previous && !jsonEqual(previous.spec?.selector, object.spec?.selector)) {
        causes.push({
          type: 'FieldValueInvalid',
          message: `Invalid value: v1.LabelSelector{MatchLabels:${goMap(object.spec?.selector?.matchLabels)}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable`,
          field: 'spec.selector',
        });
      }
      break;
    case 'Pod':
      validatePodSpec(object.spec, 'spec', causes);
      break;
    case 'Job':
      validatePodSpec(object.spec?.template?.spec, 'spec.template.spec', causes);
      break;
    case 'ConfigMap':
    case 'Secret':
      // ValidateConfigMapUpdate / ValidateSecretUpdate: once immutable, neither the data nor the flag changes.
      if (previous?.immutable === true) {
        const forbidden = (field: string) =>
          causes.push({
            type: 'FieldValueForbidden',
            message: 'Forbidden: field is immutable when `immutable` is set',
            field,
          });
        if (object.immutable !== true) forbidden('immutable');
        if (!jsonEqual(previous.data, object.data)) forbidden('data');
        if (type.kind === 'ConfigMap' && !jsonEqual(previous.binaryData, object.binaryData)) forbidden('binaryData');
      }
      break;
    case 'Service':
      for (const [index, port] of (object.spec?.ports ?? []).entries()) {
        if (typeof port.port !== 'number') {
          causes.push({ type: 'FieldValueRequired', message: 'Required value', field: `spec.ports[${index}].port` });
        }
        validatePortNumber(port.port, `spec.ports[${index}].port`, causes);
        validatePortNumber(port.targetPort, `spec.ports[${index}].targetPort`, causes);
      }
      break;
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}
