import { mustBe, type Parser } from './input-error.js';
import type { InputReader } from './input-reader.js';
import { boolean, duration, matching } from './scalars.js';
import { keyValueMap, listOf } from './collections.js';
import { workspacePath } from './paths.js';
import { namespaceName } from './kubernetes-syntax.js';
import type { KubernetesDeployRequest } from '@sophia/kubernetes';

const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:-]*$/i;
const IMAGE_REFERENCE =
  /^[a-z0-9][a-z0-9._/-]*(:[0-9]+\/[a-z0-9._/-]+)?(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/i;

/** `name=image:tag` lines; a bad key or reference names the line, because image lists are long. */
export const imageOverrides: Parser<Map<string, string>> = (name, raw) => {
  const images = keyValueMap({
    separator: 'newline',
    key: (input, key) => {
      if (!IMAGE_NAME.test(key))
        throw mustBe(input, 'lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2)', key);
      return key;
    },
  })(name, raw);
  for (const [key, reference] of images) {
    if (!IMAGE_REFERENCE.test(reference)) {
      throw mustBe(name, 'lines of name=image:tag (such as api=ghcr.io/sophia/api:1.4.2)', `${key}=${reference}`);
    }
  }
  return images;
};

/**
 * The `field-manager` input: the name server-side apply records as owner of the fields it sets. Kubernetes allows at
 * most 128 characters (validation of managedFields[].manager in apimachinery); the character set here is narrower than
 * the API's printable ASCII, so the name reads the same in logs, flags and managedFields.
 */
export const fieldManagerName = matching(
  /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  'a field manager name (letters, digits, ".", "_", ":" and "-", at most 128 characters)',
);

/**
 * The inputs `deploy-k3s-backend` and `deploy-mcp-node` share after the connection inputs, read into
 * @sophia/kubernetes' `KubernetesDeployRequest` as they stand (the inputs add no field of their own;
 * `rollout-timeout` is read in milliseconds, at least 100). Read in the order the action.yml files
 * list them, so the first bad input is the one reported.
 */
export function readKubernetesDeployInputs(inputs: InputReader): KubernetesDeployRequest {
  return {
    manifests: inputs.required('manifests', listOf(workspacePath, 'newline')),
    images: inputs.optional('images', imageOverrides) ?? new Map(),
    namespace: inputs.optional('namespace', namespaceName),
    rolloutTimeoutMs: inputs.required('rollout-timeout', duration({ minMs: 100 })),
    serverSide: inputs.required('server-side', boolean),
    fieldManager: inputs.required('field-manager', fieldManagerName),
    forceConflicts: inputs.required('force-conflicts', boolean),
    rollbackOnFailure: inputs.required('rollback-on-failure', boolean),
    dryRun: inputs.required('dry-run', boolean),
  };
}
