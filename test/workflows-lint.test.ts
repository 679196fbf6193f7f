import { readFileSync } from 'node:fs';
import path from 'node:path';
import { actionlint, workflowFiles, workflowsDir } from './support/workflows.js';

describe('actionlint on every workflow', () => {
  it('finds the four pipeline workflows', () => {
    expect(workflowFiles()).toEqual(
      expect.arrayContaining(['deploy.yml', 'pipeline.yml', 'release.yml', 'rollback.yml']),
    );
  });

  it.each(workflowFiles())('%s has no findings', async (file) => {
    const text = readFileSync(path.join(workflowsDir, file), 'utf8');
    expect(await actionlint(file, text)).toEqual([]);
  });

  it('reports what it is there to catch: untrusted text in a script, unknown contexts', async () => {
    const findings = await actionlint(
      'bad.yml',
      [
        'on: push',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo "${{ github.event.head_commit.message }}"',
        '      - run: echo "${{ nothing.here }}"',
      ].join('\n'),
    );
    expect(findings).toEqual([
      expect.stringMatching(/^bad\.yml:6:.*"github\.event\.head_commit\.message" is potentially untrusted/),
      expect.stringMatching(/^bad\.yml:7:.*undefined variable "nothing"/),
    ]);
  });
});
