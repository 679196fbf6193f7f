/**
 * Workflow files read as GitHub reads them: parsed and validated by GitHub's own
 * `@actions/workflow-parser` (the schema, expressions, and the inputs and secrets a reusable
 * workflow call passes), and every `${{ }}` evaluated by GitHub's `@actions/expressions`.
 * Our code only walks the parsed tokens: the parser's model leaves out a step's `with:` and
 * `working-directory`, so steps are read from the token tree it validated.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { TokenType, type Token } from '@actions/expressions/lexer';
import {
  convertWorkflowTemplate,
  isBasicExpression,
  isBoolean,
  isLiteral,
  isMapping,
  isNumber,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/template-token';
import { truthy } from '@actions/expressions/result';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';

type ExpressionData = data.ExpressionData;

/** A value of an expression context, as plain JSON. */
export type ContextValue = string | number | boolean | null | ContextValue[] | { [key: string]: ContextValue };

/** Contexts by name (github, inputs, secrets, vars, needs, steps, jobs, env, runner). */
export type Contexts = Record<string, ContextValue>;

/** What `success()`, `failure()`, `cancelled()` and `always()` answer where an `if:` is evaluated. */
export interface Status {
  failed: boolean;
  /** The run was cancelled: `cancelled()` is true and `success()` false (docs: "Status check functions"). */
  cancelled?: boolean;
}

/** A parsed workflow: the parser's model and the token tree it validated. */
export interface ParsedWorkflow {
  /** As written in errors: the path relative to its repository, such as `.github/workflows/deploy.yml`. */
  name: string;
  template: WorkflowTemplate;
  root: TemplateToken;
}

/** A workflow GitHub would refuse to run; the message lists the parser's findings. */
export class InvalidWorkflowError extends Error {
  constructor(
    readonly workflow: string,
    readonly findings: string[],
  ) {
    super(`Invalid workflow file: ${workflow}\n${findings.join('\n')}`);
    this.name = 'InvalidWorkflowError';
  }
}

/**
 * Parses and validates a workflow file. `resolveCalled` finds a called reusable workflow (`./` or
 * `owner/repo/path@ref`), so the parser checks the inputs and secrets each call passes against
 * the called workflow's `on.workflow_call`, as GitHub does before the run starts.
 * Throws InvalidWorkflowError with the parser's messages.
 */
export async function parseWorkflowFile(
  file: string,
  name: string,
  resolveCalled: (reference: FileReference) => string,
): Promise<ParsedWorkflow> {
  const parsed = parseWorkflow({ name, content: readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  const findings = parsed.context.errors.getErrors().map((error) => error.message);
  if (!parsed.value || findings.length > 0) throw new InvalidWorkflowError(name, findings);
  const template = await convertWorkflowTemplate(
    parsed.context,
    parsed.value,
    {
      getFileContent: async (reference) => {
        const called = resolveCalled(reference);
        return { name: path.basename(called), content: readFileSync(called, 'utf8') };
      },
    },
    { fetchReusableWorkflowDepth: 1 },
  );
  if (template.errors?.length)
    throw new InvalidWorkflowError(
      name,
      template.errors.map((error) => error.Message),
    );
  return { name, template, root: parsed.value };
}

/** The value of `key` in a mapping token, if present. */
export function child(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !isMapping(token)) return undefined;
  for (const pair of token) if (pair.key.toString() === key) return pair.value;
  return undefined;
}

/** The mapping's entries in file order. */
export function entries(token: TemplateToken | undefined): Array<[string, TemplateToken]> {
  if (!token || !isMapping(token)) return [];
  return [...token].map((pair) => [pair.key.toString(), pair.value]);
}

/** The sequence's items in order. */
export function items(token: TemplateToken | undefined): TemplateToken[] {
  if (!token || !isSequence(token)) return [];
  return [...token];
}

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'];

function toData(value: ContextValue): ExpressionData {
  return JSON.parse(JSON.stringify(value), data.reviver) as ExpressionData;
}

/** Evaluates one expression (without `${{ }}`) with GitHub's evaluator. */
export function evaluateExpression(expression: string, contexts: Contexts, status?: Status): ExpressionData {
  const lexed = new Lexer(expression).lex();
  lexed.tokens = lexed.tokens.map(decodeQuotes);
  const functions = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const tree = new Parser(lexed.tokens, Object.keys(contexts), functions).parse();
  const failed = status?.failed ?? false;
  const cancelled = status?.cancelled ?? false;
  // GitHub's status check functions: success() is false once the run is cancelled, failure() only
  // looks at failures, always() holds even on cancel (docs: "Evaluate expressions in workflows and
  // actions" → "Status check functions").
  const answers: Record<string, boolean> = {
    success: !failed && !cancelled,
    failure: failed,
    cancelled,
    always: true,
  };
  const implementations = new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(answers[name]) },
    ]),
  );
  const context = new data.Dictionary(
    ...Object.entries(contexts).map(([key, value]) => ({ key, value: toData(value) })),
  );
  return new Evaluator(tree, context, implementations).evaluate();
}

/**
 * A string literal's value with every `''` decoded to `'`, as GitHub's runner decodes it. The
 * lexer of @actions/expressions 0.3.61 decodes only the first (`String.replace` with a string),
 * and the workflow parser turns a `run:` holding `${{ }}` into `format('...')` with each `'` of the
 * script doubled: a script with a single-quoted shell word would reach bash with a quote missing.
 */
function decodeQuotes(token: Token): Token {
  if (token.type !== TokenType.STRING) return token;
  return { ...token, value: token.lexeme.slice(1, -1).replaceAll("''", "'") };
}

/** An `if:` as the parser normalised it (a missing one is `success()`). */
export function condition(token: TemplateToken | undefined, contexts: Contexts, status: Status): boolean {
  if (!token) return !status.failed && !status.cancelled;
  if (!isBasicExpression(token)) return truthy(toData(token.toString()));
  return truthy(evaluateExpression(token.expression, contexts, status));
}

/** A token's value as the runner hands it to a step: expressions evaluated, scalars as text. */
export function text(token: TemplateToken | undefined, contexts: Contexts): string {
  if (!token) return '';
  if (isBasicExpression(token)) return asText(evaluateExpression(token.expression, contexts));
  if (isMapping(token) || isSequence(token)) return JSON.stringify(value(token, contexts));
  return token.toString();
}

/** A mapping of text values (with:, env:, outputs:), each evaluated. */
export function textMap(token: TemplateToken | undefined, contexts: Contexts): Record<string, string> {
  return Object.fromEntries(entries(token).map(([key, item]) => [key, text(item, contexts)]));
}

/** A token as a JSON value, expressions evaluated. */
export function value(token: TemplateToken, contexts: Contexts): ContextValue {
  if (isMapping(token)) return Object.fromEntries(entries(token).map(([key, item]) => [key, value(item, contexts)]));
  if (isSequence(token)) return items(token).map((item) => value(item, contexts));
  if (isBasicExpression(token))
    return JSON.parse(JSON.stringify(evaluateExpression(token.expression, contexts), data.replacer)) as ContextValue;
  // YAML literals keep their type (`true`, `5`, `null`), as GitHub reads them for typed inputs.
  if (isString(token) || isBoolean(token) || isNumber(token)) return token.value;
  if (isLiteral(token)) return null;
  return token.toString();
}

function asText(result: ExpressionData): string {
  if (result.kind === data.Kind.Array || result.kind === data.Kind.Dictionary) {
    return JSON.stringify(result, data.replacer);
  }
  return result.coerceString();
}
