/**
 * Every `uses:` of this suite that the documentation, the READMEs and the example application
 * show must resolve: `sophia/deploy-actions/actions/<action>@v1` and
 * `sophia/deploy-actions/.github/workflows/<file>.yml@v1` against this tree, `sophia/<action>@v1`
 * against the mirror layout release.yml publishes (one repository per action, action.yml at its root).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { exampleAppDir, repoRoot, unpinnedActions } from './support/workflows.js';

/** What `uses: <reference>` finds, or why it finds nothing. */
function resolveSuiteReference(reference: string, root = repoRoot): string | undefined {
  const workflow = /^sophia\/deploy-actions\/\.github\/workflows\/([^/@]+\.ya?ml)@[^@\s]+$/.exec(reference);
  if (workflow) {
    const file = path.join(root, '.github', 'workflows', workflow[1]);
    if (!existsSync(file)) return `no workflow .github/workflows/${workflow[1]}`;
    const on = (parse(readFileSync(file, 'utf8')) as { on?: Record<string, unknown> }).on ?? {};
    return 'workflow_call' in on ? undefined : `.github/workflows/${workflow[1]} is not callable (no workflow_call)`;
  }
  const tree = /^sophia\/deploy-actions\/actions\/([a-z0-9-]+)@[^@\s]+$/.exec(reference);
  if (tree)
    return existsSync(path.join(root, 'actions', tree[1], 'action.yml')) ? undefined : `no action actions/${tree[1]}`;
  const mirror = /^sophia\/([a-z0-9-]+)@[^@\s]+$/.exec(reference);
  if (mirror && mirror[1] !== 'deploy-actions') {
    // The mirror repository sophia/<action> holds actions/<action>'s action.yml and dist/ at its root.
    const dir = path.join(root, 'actions', mirror[1]);
    return existsSync(path.join(dir, 'action.yml')) && existsSync(path.join(dir, 'dist', 'index.js'))
      ? undefined
      : `no published action sophia/${mirror[1]} (actions/${mirror[1]} with its dist/)`;
  }
  return 'not a reference this suite publishes';
}

function filesUnder(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name) && !entry.parentPath.includes('node_modules'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const documents = [
  path.join(repoRoot, 'README.md'),
  path.join(repoRoot, 'SECURITY.md'),
  ...filesUnder(path.join(repoRoot, 'docs'), /\.md$/),
  ...filesUnder(path.join(repoRoot, 'actions'), /^README\.md$/),
  ...filesUnder(exampleAppDir, /\.(md|ya?ml)$/),
  ...filesUnder(path.join(repoRoot, '.github', 'workflows'), /\.ya?ml$/),
];

/** Every `uses: sophia/...` in the documents, with file and line; placeholders such as `<action>` left out. */
const references = documents.flatMap((file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) =>
      [...line.matchAll(/uses: `?(sophia\/[^\s`'"]+)/g)]
        .filter((match) => !match[1].includes('<'))
        .map((match) => [`${path.relative(repoRoot, file)}:${index + 1}`, match[1]] as const),
    ),
);

describe('documented uses: references resolve', () => {
  it('covers the READMEs, the docs and the example application', () => {
    const where = new Set(references.map(([at]) => at.split(/[/:]/)[0]));
    expect([...where]).toEqual(expect.arrayContaining(['README.md', 'docs', 'actions', 'examples']));
  });

  it.each(references)('%s: %s', (_at, reference) => {
    expect(resolveSuiteReference(reference)).toBeUndefined();
  });

  it('refuses the forms that fail when a job is set up', () => {
    expect(resolveSuiteReference('sophia/deploy-actions/rollback@v1')).toBe('not a reference this suite publishes');
    expect(resolveSuiteReference('sophia/deploy-actions/actions/rollbak@v1')).toBe('no action actions/rollbak');
    expect(resolveSuiteReference('sophia/deploy-actions/.github/workflows/pipeline.yml@v1')).toBe(
      'no workflow .github/workflows/pipeline.yml',
    );
    expect(resolveSuiteReference('sophia/deploy-actions/.github/workflows/ci.yml@v1')).toBe(
      '.github/workflows/ci.yml is not callable (no workflow_call)',
    );
    expect(resolveSuiteReference('sophia/deploy-actions@v1')).toBe('not a reference this suite publishes');
    expect(resolveSuiteReference('sophia/no-such-action@v1')).toBe(
      'no published action sophia/no-such-action (actions/no-such-action with its dist/)',
    );
    expect(resolveSuiteReference('sophia/health-gate@v1')).toBeUndefined();
  });
});

describe('documented third-party actions follow the pinning rule of the workflows', () => {
  // GitHub's hardening guide: a full commit SHA is the only immutable reference; the tag rides in
  // a comment so Dependabot and readers see the version. An example copied from the docs keeps it.
  it.each(documents.map((file) => [path.relative(repoRoot, file), file] as const))('%s', (at, file) => {
    expect(unpinnedActions(at, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('catches a tag, a branch or a SHA without its tag, in a Markdown example as in a workflow', () => {
    const markdown = [
      '```yaml',
      '- uses: actions/checkout@v4',
      '- uses: actions/setup-node@main',
      '- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1',
      '- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
      '- uses: sophia/deploy-actions/actions/health-gate@v1',
      '```',
    ].join('\n');
    expect(unpinnedActions('README.md', markdown)).toEqual([
      'README.md: actions/checkout@v4 is not pinned to a commit SHA with its tag in a comment',
      'README.md: actions/setup-node@main is not pinned to a commit SHA with its tag in a comment',
      'README.md: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 is not pinned to a commit SHA with its tag in a comment',
    ]);
  });
});

describe('one secret-naming scheme', () => {
  // The environment secrets of the deploys, the health gate's example header token, and the
  // release token of this repository, and the token GitHub gives every run (the example pushes
  // its backend image with it); nothing else is named anywhere.
  const NAMES = ['SSH_KEY', 'SSH_KNOWN_HOSTS', 'KUBECONFIG', 'HEALTH_TOKEN', 'ACTIONS_PUBLISH_TOKEN', 'GITHUB_TOKEN'];

  it('every secrets.<NAME> in the docs, the READMEs and the example is one of them', () => {
    const named = documents.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]),
    );
    expect(named.length).toBeGreaterThan(20);
    expect([...new Set(named)].filter((name) => !NAMES.includes(name))).toEqual([]);
  });
});
