/**
 * What deploy.yml tells its caller when the frontend deploy fails: the release id the action
 * prepared never went live, so the workflow's `frontend-release-id` is empty. Run by the local
 * workflow runner as a workflow_call, against an SSH address nothing listens on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runWorkflow } from '@sophia-testing/workflow-runner';
import { repoRoot } from './support/workflows.js';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'deploy-outputs-'));
  mkdirSync(path.join(workspace, 'keys'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(workspace, 'keys', 'id')]);
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

test('a frontend deploy that fails names no release: frontend-release-id is empty', async () => {
  const hostKey = readFileSync(path.join(workspace, 'keys', 'id.pub'), 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  writeFileSync(path.join(workspace, 'index.html'), '<p>Sophia</p>\n');
  const run = await runWorkflow({
    file: path.join(repoRoot, '.github', 'workflows', 'deploy.yml'),
    workspace,
    event: 'workflow_call',
    inputs: {
      environment: 'staging',
      components: 'frontend',
      'frontend-url': 'http://127.0.0.1:9/',
      // An address nothing listens on: the deploy cannot reach its host and changes nothing.
      'frontend-host': '127.0.0.1:9',
      'frontend-build-command': 'mkdir -p dist && cp index.html dist/',
      'health-urls': 'http://127.0.0.1:9/healthz',
      'health-interval': '100ms',
      'health-timeout': '300ms',
    },
    secrets: {
      SSH_KEY: readFileSync(path.join(workspace, 'keys', 'id'), 'utf8'),
      SSH_KNOWN_HOSTS: `[127.0.0.1]:9 ${hostKey}\n`,
    },
    environments: { staging: {} },
  });
  const frontend = run.jobs.find((job) => job.id === 'frontend');
  expect(frontend?.result).toBe('failure');
  // The action itself names the release it prepared...
  expect(frontend?.steps.find((step) => step.name === 'Deploy to nginx')?.outputs['release-id']).toMatch(/\S/);
  // ...but neither the job nor the workflow passes it on as deployed.
  expect(frontend?.outputs['release-id']).toBe('');
  expect(run.outputs['frontend-release-id']).toBe('');
}, 120_000);
