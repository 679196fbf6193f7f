#!/usr/bin/env node
// Writes the inputs and outputs tables of each actions/<name>/README.md from its action.yml, between
// <!-- action-docs:inputs --> / <!-- action-docs:outputs --> markers, so the docs cannot drift from
// the contract. With --check, writes nothing and fails when a README is not what it would write.
//   node scripts/action-docs.mjs [--check] [--root <dir>] [action ...]
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const args = process.argv.slice(2);
const check = args.includes('--check');
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 ? args[rootAt + 1] : join(dirname(fileURLToPath(import.meta.url)), '..');
const only = args.filter((arg, index) => !arg.startsWith('--') && index !== rootAt + 1);
// yaml comes from @sophia-testing/action-runner, which reads action.yml files the same way.
const { parse } = createRequire(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'runner-harness', 'package.json'),
)('yaml');

function cell(text) {
  return String(text).trim().replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text) {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

export function inputsTable(metadata) {
  const rows = Object.entries(metadata.inputs ?? {}).map(([name, input]) => {
    const fallback = input.default === undefined || String(input.default) === '' ? '' : code(String(input.default));
    return `| ${code(name)} | ${input.required ? 'yes' : 'no'} | ${cell(fallback)} | ${cell(input.description ?? '')} |`;
  });
  return ['| Input | Required | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function outputsTable(metadata) {
  const rows = Object.entries(metadata.outputs ?? {}).map(
    ([name, output]) => `| ${code(name)} | ${cell(output.description ?? '')} |`,
  );
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

function replaceSection(readme, section, content, file) {
  const start = `<!-- action-docs:${section} -->`;
  const end = `<!-- /action-docs:${section} -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} ... ${end} section`);
  return readme.slice(0, from + start.length) + `\n${content}\n` + readme.slice(to);
}

function skeleton(name, metadata) {
  return [
    `# ${metadata.name}`,
    '',
    metadata.description,
    '',
    '## Usage',
    '',
    '```yaml',
    `- uses: sophia/deploy-actions/actions/${name}@v1`,
    '```',
    '',
    '## Inputs',
    '',
    '<!-- action-docs:inputs -->',
    '<!-- /action-docs:inputs -->',
    '',
    '## Outputs',
    '',
    '<!-- action-docs:outputs -->',
    '<!-- /action-docs:outputs -->',
    '',
  ].join('\n');
}

const actionsDir = join(root, 'actions');
const actions = readdirSync(actionsDir).filter(
  (name) => existsSync(join(actionsDir, name, 'action.yml')) && (only.length === 0 || only.includes(name)),
);
const stale = [];
for (const name of actions) {
  const metadata = parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8'));
  const file = join(actionsDir, name, 'README.md');
  const relative = `actions/${name}/README.md`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  let wanted;
  try {
    wanted = replaceSection(current ?? skeleton(name, metadata), 'inputs', inputsTable(metadata), relative);
    wanted = replaceSection(wanted, 'outputs', outputsTable(metadata), relative);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  // Formatted as `pnpm lint` (prettier --check) wants it, so the generator and the linter agree.
  wanted = await prettier.format(wanted, { ...(await prettier.resolveConfig(file)), filepath: file });
  if (wanted === current) continue;
  if (check) stale.push(relative);
  else {
    writeFileSync(file, wanted);
    console.log(`wrote ${relative}`);
  }
}
if (stale.length > 0) {
  console.error(
    `The inputs/outputs tables differ from action.yml; run "node scripts/action-docs.mjs":\n  ${stale.join('\n  ')}`,
  );
  process.exit(1);
}
