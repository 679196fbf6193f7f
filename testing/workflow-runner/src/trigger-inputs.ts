/**
 * The inputs a trigger hands a workflow, checked and typed as GitHub does before any job starts.
 *
 * `workflow_call` (docs: "Workflow syntax for GitHub Actions", `on.workflow_call.inputs.<input_id>.type`,
 * and "Reusing workflows"): each input is `boolean`, `number` or `string`; the value a caller's
 * `with:` gives (a YAML literal or an evaluated expression) must be of that type, except that a
 * boolean or number given to a `string` input is taken as its text, and null (an unset variable) as ''; a missing input takes its
 * `default`, or `false`, `0` or `''` by type; the `inputs` context keeps the type. GitHub refuses a
 * mismatch while it evaluates the called workflow's inputs, before any job: "Unexpected value
 * 'false'" for text where a boolean or number is expected, "Unexpected type of value '', expected
 * type: Boolean." for another kind (actions/runner#2206 shows the second).
 *
 * `workflow_dispatch` (docs: `on.workflow_dispatch.inputs.<input_id>.type`, and the REST API
 * "Create a workflow dispatch event"): values arrive as text from the form or the API; `choice`
 * must be one of `options`, `boolean` `true` or `false`, `environment` the name of one of the
 * repository's environments, `number` a number; the REST API answers 422 "Provided value 'x' for
 * input 'y' not in the list of allowed values" (cli/cli#5246 shows it for a boolean), "Required
 * input 'y' not provided", "Unexpected inputs provided: [...]". The `inputs` context holds booleans
 * and numbers as such (docs: "Contexts", inputs context). The number message is ours: GitHub's
 * exact wording for it is not documented.
 */
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { child, InvalidWorkflowError, items, type ContextValue } from './workflow-parse.js';

/** A declared input: its name and its definition token. */
export type DeclaredInput = [string, TemplateToken];

type CallType = 'boolean' | 'number' | 'string';

/** The zero value GitHub gives an input of that type with neither value nor default. */
const ZERO: Record<CallType, ContextValue> = { boolean: false, number: 0, string: '' };

function declaredType(spec: TemplateToken): string {
  return child(spec, 'type')?.toString() ?? 'string';
}

function shown(value: ContextValue): string {
  return value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The default of a definition, typed as its YAML literal is. */
function defaultOf(spec: TemplateToken, literal: (token: TemplateToken) => ContextValue): ContextValue | undefined {
  const token = child(spec, 'default');
  return token ? literal(token) : undefined;
}

/**
 * The inputs of a called workflow. `given` holds each `with:` value typed (literal or evaluated)
 * and `where` its position in `caller` (the calling workflow's path), for the message. Unknown and
 * missing required inputs the parser refuses before this (workflow-parse.ts). Throws
 * InvalidWorkflowError naming the caller, as GitHub's "The template is not valid." does.
 */
export function callInputs(
  declared: DeclaredInput[],
  given: Record<string, { value: ContextValue; line?: number; col?: number }>,
  caller: string,
  literal: (token: TemplateToken) => ContextValue,
): Record<string, ContextValue> {
  const inputs: Record<string, ContextValue> = {};
  const findings: string[] = [];
  for (const [name, spec] of declared) {
    const type = declaredType(spec) as CallType;
    if (!(name in given)) {
      inputs[name] = defaultOf(spec, literal) ?? ZERO[type] ?? '';
      continue;
    }
    const { value, line, col } = given[name];
    const at = `The template is not valid. ${caller} (Line: ${line ?? '?'}, Col: ${col ?? '?'}): `;
    if (type === 'string') {
      if (typeof value === 'string') inputs[name] = value;
      else if (typeof value === 'boolean' || typeof value === 'number' || value === null) inputs[name] = shown(value);
      else findings.push(`${at}Unexpected type of value '${shown(value)}', expected type: String.`);
    } else if (typeof value === type) {
      inputs[name] = value;
    } else if (typeof value === 'string') {
      findings.push(`${at}Unexpected value '${value}'`);
    } else {
      const expected = type === 'boolean' ? 'Boolean' : 'Number';
      findings.push(`${at}Unexpected type of value '${shown(value)}', expected type: ${expected}.`);
    }
  }
  if (findings.length > 0) throw new InvalidWorkflowError(caller, findings);
  return inputs;
}

/**
 * The inputs of a manual dispatch: `given` as the form or the REST API sends them (text),
 * `environments` the names of the repository's environments. Throws an Error with the REST API's
 * 422 message when GitHub would refuse the dispatch.
 */
export function dispatchInputs(
  declared: DeclaredInput[],
  given: Record<string, string>,
  environments: string[],
  literal: (token: TemplateToken) => ContextValue,
): Record<string, ContextValue> {
  const unknown = Object.keys(given).filter((key) => !declared.some(([name]) => name === key));
  if (unknown.length > 0) throw new Error(`Unexpected inputs provided: ${JSON.stringify(unknown)}`);
  const inputs: Record<string, ContextValue> = {};
  for (const [name, spec] of declared) {
    const type = declaredType(spec);
    const fallback = defaultOf(spec, literal);
    if (!(name in given) && fallback === undefined) {
      if (child(spec, 'required')?.toString() === 'true') throw new Error(`Required input '${name}' not provided`);
      // Neither given nor defaulted: the form sends an unchecked box or an empty field.
      inputs[name] = type === 'boolean' ? false : '';
      continue;
    }
    const text = name in given ? given[name] : shown(fallback ?? '');
    const notAllowed = () =>
      new Error(`Provided value '${text}' for input '${name}' not in the list of allowed values`);
    switch (type) {
      case 'choice':
        if (!items(child(spec, 'options')).some((option) => option.toString() === text)) throw notAllowed();
        inputs[name] = text;
        break;
      case 'boolean':
        if (text !== 'true' && text !== 'false') throw notAllowed();
        inputs[name] = text === 'true';
        break;
      case 'environment':
        if (!environments.includes(text)) throw notAllowed();
        inputs[name] = text;
        break;
      case 'number':
        if (text.trim() === '' || !Number.isFinite(Number(text))) {
          throw new Error(`Provided value '${text}' for input '${name}' is not a number`);
        }
        inputs[name] = Number(text);
        break;
      default:
        inputs[name] = text;
    }
  }
  return inputs;
}
