import { actionInputs, runContext, runUrl } from '@sophia/action-runtime';
import { deployOutcome, type ComponentRun, type DeployOutcome, type RollbackFacts } from '@sophia/github';
import {
  boolean,
  headerToken,
  InputError,
  integer,
  mustBe,
  oneOf,
  type InputReader,
  type Parser,
} from '@sophia/inputs';

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
  | {
      record: 'finish';
      deploymentId: number;
      outcome: (typeof OUTCOMES)[number];
      restored: boolean;
      /** With `failure`: what failed serves all the same (see finishDeploymentRecord); from `components` only. */
      liveDescription?: string;
      /** From `components` and the gate's inputs, when given: what the run left serving (it sets outcome, restored, description). */
      facts?: DeployOutcome;
    }
  | { record: 'rollback'; ref: string; facts: RollbackFacts }
);

const RUN_FIELDS = ['ran', 'deploy', 'rollback'] as const;

/** `components`: JSON object, component name -> ComponentRun (every field a string). */
const componentRuns: Parser<Record<string, ComponentRun>> = (name, raw) => {
  const expected =
    'a JSON object of components, each {"ran", "deploy", "rollback"[, "changed", "changedObjects", "rollbacks"]} as text';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw mustBe(name, expected, raw);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw mustBe(name, expected, raw);
  for (const run of Object.values(parsed)) {
    const fields = run as Record<string, unknown>;
    if (typeof run !== 'object' || run === null || RUN_FIELDS.some((field) => typeof fields[field] !== 'string')) {
      throw mustBe(name, expected, raw);
    }
    if (Object.values(fields).some((field) => typeof field !== 'string')) throw mustBe(name, expected, raw);
  }
  return parsed as Record<string, ComponentRun>;
};

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
    const components = reader.optional('components', componentRuns);
    if (components) {
      const facts = deployOutcome(components, {
        result: reader.optional('health-gate-result') ?? '',
        healthy: reader.optional('healthy') ?? '',
      });
      const description = facts.description;
      const outcome = facts.served === 'live' ? 'success' : 'failure';
      return {
        ...common,
        description,
        record,
        deploymentId,
        outcome,
        restored: facts.served === 'restored',
        liveDescription: facts.liveDescription,
        facts,
      };
    }
    if (outcome === undefined) {
      throw new InputError(
        'outcome',
        'Input "outcome" is required with record: finish (success or failure), unless "components" is given',
      );
    }
    return { ...common, record, deploymentId, outcome, restored };
  }
  const component = reader.optional('component');
  const live = reader.optional('live');
  if (!component) throw new InputError('component', 'Input "component" is required with record: rollback');
  if (!live) {
    throw new InputError(
      'live',
      'Input "live" is required with record: rollback (the rollback action\'s live or to output)',
    );
  }
  if (!ref) throw new InputError('ref', 'Input "ref" is required (no GITHUB_SHA to default to)');
  return { ...common, record, ref, facts: { component, live } };
}
