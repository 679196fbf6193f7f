/**
 * The outputs an action sets when nothing ran (an input refused, a cancel before the step published) have
 * one home per action, `src/not-run-outputs.ts`, that its error boundary and its summaries derive from.
 * Those outputs are on purpose a subset of what action.yml declares (the ones that depend on the inputs
 * are left unset), and the README's "When nothing runs" section is what a workflow author reads: every
 * action under actions/ keeps the three in step. test/input-refused.test.ts checks what the bundles write.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { actionsRoot } from '@sophia-testing/action-runner';
import { parse } from 'yaml';
import { ACTION_NAMES } from './support/actions.js';

const ACTIONS = readdirSync(actionsRoot).filter((name) => existsSync(join(actionsRoot, name, 'action.yml')));

async function notRunOutputs(action: string): Promise<Record<string, unknown>> {
  const module = (await import(pathToFileURL(join(actionsRoot, action, 'src', 'not-run-outputs.ts')).href)) as {
    NOT_RUN_OUTPUTS: Record<string, unknown>;
  };
  return module.NOT_RUN_OUTPUTS;
}

/** An output's value as the runner holds it: objects and arrays as JSON (see setOutputs in action-runtime). */
function asWritten(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * The table of the README's "When nothing runs" section: output name -> value, a code span holding the
 * value as written, or the word `empty`.
 */
function readmeTable(action: string): Record<string, string> {
  const readme = readFileSync(join(actionsRoot, action, 'README.md'), 'utf8');
  const section = /^## When nothing runs\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (section === undefined) throw new Error(`${action}/README.md has no "## When nothing runs" section`);
  const rows = [...section.matchAll(/^\| `([^`]+)` +\| (?:`([^`]*)`|(empty)) +\|$/gm)];
  // A row this reading cannot parse would otherwise go unchecked.
  expect(rows).toHaveLength(section.split('\n').filter((line) => line.startsWith('| `')).length);
  return Object.fromEntries(rows.map(([, name, value]) => [name, value ?? '']));
}

test('every action is checked', () => {
  expect([...ACTIONS].sort()).toEqual([...ACTION_NAMES].sort());
});

describe.each(ACTIONS)('%s', (action) => {
  it('sets, when nothing ran, only outputs its action.yml declares', async () => {
    const declared = Object.keys(
      (
        parse(readFileSync(join(actionsRoot, action, 'action.yml'), 'utf8')) as {
          outputs?: Record<string, unknown>;
        }
      ).outputs ?? {},
    );
    const names = Object.keys(await notRunOutputs(action));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('sets, when nothing ran, what its README says', async () => {
    const outputs = await notRunOutputs(action);
    const written = Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, asWritten(value)]));
    expect(readmeTable(action)).toEqual(written);
  });
});
