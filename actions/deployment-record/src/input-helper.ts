import { actionInputs, runContext, runUrl } from '@sophia/action-runtime';
import { boolean, headerToken, InputError, integer, oneOf, type InputReader } from '@sophia/inputs';

const RECORDS = ['start', 'finish', 'rollback'] as const;
const OUTCOMES = ['success', 'failure'] as const;

/** The links every status carries: the run's page (`log_url`) and the environment's URL (may be empty). */
interface StatusLinks {
  logUrl: string;
  environmentUrl: string;
}

/** What one record step does, by its `record` input, with what that step needs. */
export type DeploymentRecordSettings = {
  environment: string;
  token: string;
  description: string;
  links: StatusLinks;
} & (
  | { record: 'start'; ref: string }
  | { record: 'finish'; deploymentId: number; outcome: (typeof OUTCOMES)[number]; restored: boolean }
  | { record: 'rollback' }
);

/**
 * Reads and checks the inputs; the token is masked and must fit an HTTP header. `ref` defaults to the
 * run's commit (GITHUB_SHA, read by runContext). Throws InputError naming the input before any request.
 */
export function getInputs(reader: InputReader = actionInputs()): DeploymentRecordSettings {
  const record = reader.required('record', oneOf(RECORDS));
  const environment = reader.required('environment');
  const token = headerToken('github-token', reader.secret('github-token', { required: true })!);
  const ref = reader.optional('ref') || runContext().commit;
  const deploymentId = reader.optional('deployment-id', integer(1, Number.MAX_SAFE_INTEGER));
  const outcome = reader.optional('outcome', oneOf(OUTCOMES));
  const restored = reader.required('restored', boolean);
  const links = { logUrl: runUrl(), environmentUrl: reader.optional('environment-url') ?? '' };
  const common = { environment, token, description: reader.optional('description') ?? '', links };
  if (record === 'start') {
    if (!ref) throw new InputError('ref', 'Input "ref" is required (no GITHUB_SHA to default to)');
    return { ...common, record, ref };
  }
  if (record === 'finish') {
    if (deploymentId === undefined) {
      throw new InputError('deployment-id', 'Input "deployment-id" is required with record: finish');
    }
    if (outcome === undefined) {
      throw new InputError('outcome', 'Input "outcome" is required with record: finish (success or failure)');
    }
    return { ...common, record, deploymentId, outcome, restored };
  }
  return { ...common, record };
}
