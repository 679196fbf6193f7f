import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  actionInputMismatches,
  changesAnEnvironment,
  concurrencyDeadlocks,
  concurrencyCancellingInProgress,
  environmentName,
  hiddenExitStatus,
  inputConsumers,
  jobsDeployingWithoutEnvironment,
  loadExampleWorkflow,
  loadWorkflow,
  parseWorkflow,
  productionWithoutStaging,
  reusableCallersSettingEnvironment,
  reusableCallMismatches,
  unpinnedActions,
  untrustedTextInScripts,
  unforwardedInputs,
  templateVariableInputs,
  workflowFiles,
  workflowsDir,
  exampleWorkflowsDir,
  repoRoot,
  type Job,
  type Workflow,
} from './support/workflows.js';
import { ACTION_NAMES } from './support/actions.js';

const pipeline = loadExampleWorkflow('deploy.yml');
const dispatch = loadExampleWorkflow('rollback.yml');
const pullRequestPlans = loadExampleWorkflow('plan.yml');
const all: Workflow[] = [...workflowFiles().map((name) => loadWorkflow(name)), pipeline, dispatch, pullRequestPlans];
const deploy = loadWorkflow('deploy.yml');
const rollback = loadWorkflow('rollback.yml');
const release = loadWorkflow('release.yml');

/** A workflow written inline, for showing that a rule catches what it should. */
function workflow(text: string): Workflow {
  return parseWorkflow('example.yml', text);
}

describe('every job that deploys or rolls back names an environment', () => {
  it.each(all.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(jobsDeployingWithoutEnvironment(w)).toEqual([]);
  });

  it('deploy.yml names the environment it was called with, on every deploying and rollback job', () => {
    const named = Object.entries(deploy.jobs).filter(([id, job]) => environmentName(job) && id !== 'deploy-plan');
    expect(named.map(([id]) => id).sort()).toEqual(
      ['backend', 'frontend', 'mcp', 'rollback-backend', 'rollback-frontend', 'rollback-mcp'].sort(),
    );
    // The plan reads and dry-runs with the credentials of its own environment, which has no reviewers.
    expect(environmentName(deploy.jobs['deploy-plan'])).toBe('${{ inputs.plan-environment }}');
    for (const [, job] of named) {
      expect(environmentName(job)).toBe('${{ inputs.environment }}');
      expect(job.environment).toMatchObject({ url: '${{ inputs.frontend-url }}' });
    }
  });

  it('rollback.yml runs the rollback action under the chosen environment', () => {
    expect(environmentName(rollback.jobs.rollback)).toBe('${{ inputs.environment }}');
  });

  it('catches a deploy step in a job without one', () => {
    const w = workflow(`
on: push
jobs:
  ship:
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/deploy-k3s-backend
        with: { manifests: k8s }
`);
    expect(jobsDeployingWithoutEnvironment(w)).toEqual([
      'example.yml: job "ship" deploys or rolls back but names no environment',
    ]);
  });
});

describe('production runs only after staging succeeded', () => {
  it("the application's pipeline: production needs staging, and nothing runs past a failure", () => {
    expect(productionWithoutStaging(pipeline)).toEqual([]);
    expect(pipeline.jobs.production.needs).toEqual(['backend-image', 'staging']);
    expect(pipeline.jobs.production.with).toMatchObject({ environment: 'production' });
    expect(pipeline.jobs.staging.with).toMatchObject({ environment: 'staging' });
  });

  it('catches production without staging, and a condition that runs it after a failed staging', () => {
    expect(
      productionWithoutStaging(
        workflow(`
on: push
jobs:
  production:
    uses: ./.github/workflows/deploy.yml
    with: { environment: production }
`),
      ),
    ).toEqual(['example.yml: job "production" deploys to production without needing a staging deploy']);
    expect(
      productionWithoutStaging(
        workflow(`
on: push
jobs:
  staging:
    uses: ./.github/workflows/deploy.yml
    with: { environment: staging }
  production:
    needs: staging
    if: always()
    uses: ./.github/workflows/deploy.yml
    with: { environment: production }
`),
      ),
    ).toEqual(['example.yml: job "production" on the way to production runs even when what it needs failed']);
  });
});

describe('no job calling a reusable workflow sets environment', () => {
  it.each(all.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(reusableCallersSettingEnvironment(w)).toEqual([]);
  });

  it('catches one that does', () => {
    const w = workflow(`
on: push
jobs:
  staging:
    uses: ./.github/workflows/deploy.yml
    environment: staging
`);
    expect(reusableCallersSettingEnvironment(w)).toEqual([
      'example.yml: job "staging" calls a reusable workflow and sets environment (GitHub rejects it)',
    ]);
  });
});

describe('concurrency never cancels a run in progress', () => {
  const delivery = all.filter(changesAnEnvironment);

  it('applies to the delivery workflows (a CI run of tests may be cancelled by a newer push)', () => {
    expect(delivery.map((w) => w.file)).toEqual(
      expect.arrayContaining([
        'deploy.yml',
        'release.yml',
        'rollback.yml',
        'examples/sophia-app/deploy.yml',
        'examples/sophia-app/rollback.yml',
      ]),
    );
  });

  it.each(delivery.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(concurrencyCancellingInProgress(w)).toEqual([]);
  });

  it('deploys and manual rollbacks of one environment share one group', () => {
    expect(deploy.concurrency).toEqual({
      group: 'sophia-deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
    expect(rollback.concurrency).toEqual(deploy.concurrency);
    expect(release.concurrency).toMatchObject({ 'cancel-in-progress': false });
  });

  it('catches cancel-in-progress, also when it is left to an expression', () => {
    const w = workflow(`
on: push
concurrency: { group: x, cancel-in-progress: true }
jobs:
  a:
    runs-on: ubuntu-latest
    concurrency: { group: y, cancel-in-progress: "\${{ github.ref != 'refs/heads/main' }}" }
    steps: [{ run: 'true' }]
`);
    expect(concurrencyCancellingInProgress(w)).toEqual([
      'example.yml: concurrency of the workflow may cancel a run in progress',
      'example.yml: concurrency of job "a" may cancel a run in progress',
    ]);
  });
});

describe('every input passed to a local action exists in its action.yml, and every required one is given', () => {
  it.each(all.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(actionInputMismatches(w)).toEqual([]);
  });

  it('the workflows use all six actions', () => {
    const used = new Set(
      all.flatMap((w) => Object.values(w.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.uses ?? ''))),
    );
    for (const name of ACTION_NAMES) {
      expect(used).toContain(`$/actions/${name}`);
    }
  });

  it('catches an unknown input, a missing required one and a missing action, by local path or published name', () => {
    const w = workflow(`
on: push
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - name: probe
        uses: ./actions/health-gate
        with: { url: 'https://example.test' }
      - uses: ./actions/no-such-action
      - uses: sophia/deploy-actions/actions/rollback@v1
        with: { component: frontend, target-dir: /srv }
      - uses: sophia/health-gate@v1
      - uses: sophia/deploy-actions/health-gate@v1
`);
    expect(actionInputMismatches(w)).toEqual([
      'example.yml: job "gate" step probe (health-gate): input "url" is not declared in action.yml',
      'example.yml: job "gate" step probe (health-gate): required input "urls" is not given',
      'example.yml: job "gate" step 2 (no-such-action): actions/no-such-action/action.yml does not exist',
      'example.yml: job "gate" step 3 (rollback): input "target-dir" is not declared in action.yml',
      'example.yml: job "gate" step 4 (health-gate): required input "urls" is not given',
      'example.yml: job "gate" step 5: "sophia/deploy-actions/health-gate@v1" names no action of this suite',
    ]);
  });
});

describe('calls of deploy.yml pass only what it declares', () => {
  it.each([pipeline, dispatch].map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(reusableCallMismatches(w)).toEqual([]);
    expect(Object.values(w.jobs).map((job) => job.uses)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^sophia\/deploy-actions\/\.github\/workflows\/\w+\.yml@v1$/)]),
    );
  });

  it('catches an undeclared input or secret and a missing required input', () => {
    const w = workflow(`
on: push
jobs:
  staging:
    uses: ./.github/workflows/deploy.yml
    with: { environment: staging, colour: blue }
    secrets: { TOKEN: x }
`);
    expect(reusableCallMismatches(w)).toEqual([
      'example.yml: job "staging" (deploy.yml): input "colour" is not declared by workflow_call',
      'example.yml: job "staging" (deploy.yml): required input "frontend-url" is not given',
      'example.yml: job "staging" (deploy.yml): required input "health-urls" is not given',
      'example.yml: job "staging" (deploy.yml): secret "TOKEN" is not declared by workflow_call',
    ]);
  });
});

describe('no untrusted github.event text is interpolated into a run: script', () => {
  it.each(all.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(untrustedTextInScripts(w)).toEqual([]);
  });

  it('catches event text and branch names pasted into a script', () => {
    const w = workflow(`
on: pull_request
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - name: greet
        run: |
          echo "\${{ github.event.pull_request.title }}"
          git checkout \${{ github.head_ref }}
          echo "\${{ github.sha }}"
`);
    expect(untrustedTextInScripts(w)).toEqual([
      'example.yml: job "a" step greet interpolates "github.event.pull_request.title" into its script',
      'example.yml: job "a" step greet interpolates "github.head_ref" into its script',
    ]);
  });
});

describe('on a failed gate, rollback undoes exactly the components this run deployed', () => {
  const component = { frontend: 'rollback-frontend', backend: 'rollback-backend', mcp: 'rollback-mcp' } as const;

  it.each(Object.entries(component))(
    '%s is rolled back only when its own deploy succeeded',
    (deployJob, rollbackJob) => {
      const condition = deploy.jobs[rollbackJob].if ?? '';
      expect(condition).toContain(`needs.${deployJob}.result == 'success'`);
      expect(condition).toContain("needs.health-gate.result == 'failure'");
      expect(condition).toMatch(/^always\(\)/);
    },
  );

  it.each(['backend', 'mcp'])('%s workloads are rolled back only when this run changed some', (deployJob) => {
    expect(deploy.jobs[`rollback-${deployJob}`].if).toContain(`needs.${deployJob}.outputs.changed != '[]'`);
    // The deploy action itself says what it changed: no bookkeeping step around it.
    // ... and whether its own rollback of a failed rollout put it back: the deployment record reads it.
    expect(deploy.jobs[deployJob].outputs).toEqual({
      ran: 'true',
      changed: '${{ steps.deploy.outputs.changed }}',
      'changed-objects': '${{ steps.deploy.outputs.changed-objects }}',
      'rolled-back': '${{ steps.deploy.outputs.rolled-back }}',
      rollbacks: '${{ steps.deploy.outputs.rollbacks }}',
    });
    // Beside the plan identity comparison (below), which changes nothing.
    const steps = deploy.jobs[deployJob].steps ?? [];
    expect(steps.filter((step) => step.run && step.name !== 'Compare with the plan identity')).toEqual([]);
    const rollbackStep = deploy.jobs[`rollback-${deployJob}`].steps?.find((step) => step.uses === '$/actions/rollback');
    expect(rollbackStep?.with?.workloads).toBe(`\${{ needs.${deployJob}.outputs.changed }}`);
  });

  it('the gate runs after every deploy job, also when one failed, unless the run was cancelled or no deploy job started', () => {
    expect(deploy.jobs['health-gate'].needs).toEqual(['plan', 'frontend', 'backend', 'mcp']);
    expect(deploy.jobs['health-gate'].if).toBe(
      // !cancelled(): a run cancelled while the gate waits stops it (an always() job is never cancelled).
      "!cancelled() && needs.plan.result == 'success' && !contains(needs.*.result, 'cancelled')" +
        " && (needs.frontend.outputs.ran == 'true' || needs.backend.outputs.ran == 'true' || needs.mcp.outputs.ran == 'true')",
    );
    // A job that never started (rejected by reviewers) has no outputs: `ran` is a constant of each deploy job.
    for (const id of ['frontend', 'backend', 'mcp']) expect(deploy.jobs[id].outputs?.ran).toBe('true');
  });

  it('the frontend goes back to the release that was live before this run', () => {
    const step = deploy.jobs['rollback-frontend'].steps?.find((s) => s.uses === '$/actions/rollback');
    expect(step?.with?.to).toBe("${{ needs.frontend.outputs.previous-release-id || 'previous' }}");
  });
});

describe('deploy.yml and rollback.yml run from any repository', () => {
  it.each([deploy, rollback].map((w) => [w.file, w] as const))(
    '%s: actions by $/, no file of this repository read, no package manager assumed',
    (_file, w) => {
      expect(w.on).toHaveProperty('workflow_call');
      for (const job of Object.values(w.jobs)) {
        for (const step of job.steps ?? []) {
          expect(step.uses ?? '').not.toMatch(/^\.\//);
          expect(step.uses ?? '').not.toMatch(/^pnpm\//);
          expect(step.run ?? '').not.toMatch(/\.github\/|scripts\//);
        }
      }
    },
  );

  it('no caller sits in the group the called workflows hold', () => {
    expect(all.flatMap(concurrencyDeadlocks)).toEqual([]);
    const w = workflow(`
on: push
concurrency: { group: 'sophia-deploy-staging', cancel-in-progress: false }
jobs:
  staging:
    uses: sophia/deploy-actions/.github/workflows/deploy.yml@v1
    with: { environment: staging }
`);
    expect(concurrencyDeadlocks(w)).toEqual([
      'example.yml: job "staging" calls deploy.yml inside the group sophia-deploy-* (set by the workflow): it would wait for itself',
    ]);
  });
});

describe('third-party actions are pinned by commit SHA, the tag in a comment', () => {
  const files = [
    ...workflowFiles().map((name) => path.join(workflowsDir, name)),
    ...workflowFiles(exampleWorkflowsDir).map((name) => path.join(exampleWorkflowsDir, name)),
  ];
  it.each(files)('%s', (file) => {
    expect(unpinnedActions(file, readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('catches a tag, a branch and a SHA without its tag', () => {
    const text = [
      '      - uses: actions/checkout@v7',
      '      - uses: actions/setup-node@main',
      '      - uses: actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809',
      '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
      '      - uses: $/actions/rollback',
    ].join('\n');
    expect(unpinnedActions('x.yml', text)).toEqual([
      'x.yml: actions/checkout@v7 is not pinned to a commit SHA with its tag in a comment',
      'x.yml: actions/setup-node@main is not pinned to a commit SHA with its tag in a comment',
      'x.yml: actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809 is not pinned to a commit SHA with its tag in a comment',
    ]);
  });
});

describe('repository conventions', () => {
  it('Dependabot updates the npm dependencies and the actions of every workflow directory', () => {
    const config = parse(readFileSync(path.join(repoRoot, '.github', 'dependabot.yml'), 'utf8')) as {
      updates: Array<{ 'package-ecosystem': string; directory?: string; directories?: string[] }>;
    };
    const byEcosystem = Object.fromEntries(
      config.updates.map((update) => [update['package-ecosystem'], update.directories ?? [update.directory]]),
    );
    expect(byEcosystem).toEqual({ npm: ['/'], 'github-actions': ['/', '/examples/sophia-app'] });
  });

  it('CODEOWNERS covers everything and the workflows; SECURITY.md says how to report', () => {
    const owners = readFileSync(path.join(repoRoot, '.github', 'CODEOWNERS'), 'utf8');
    expect(owners).toMatch(/^\* +@\S+/m);
    expect(owners).toMatch(/^\/\.github\/ +@\S+/m);
    expect(readFileSync(path.join(repoRoot, 'SECURITY.md'), 'utf8')).toContain('Report a vulnerability');
  });
});

describe('no step hides the exit status of a command it records', () => {
  it.each(all.map((w) => [w.file, w] as const))('%s', (_file, w) => {
    expect(hiddenExitStatus(w)).toEqual([]);
  });

  it('catches echo "x=$(cmd)", the before-snapshot that could not fail', () => {
    const w = workflow(`
on: push
jobs:
  snapshot:
    runs-on: ubuntu-latest
    steps:
      - name: Before
        run: |
          echo "before=$(kubectl get deploy -o json)" >> "$GITHUB_OUTPUT"
      - run: |
          before=$(kubectl get deploy -o json)
          echo "before=$before" >> "$GITHUB_OUTPUT"
`);
    expect(hiddenExitStatus(w)).toEqual([
      'example.yml: job "snapshot" step Before hides an exit status: echo "before=$(kubectl get deploy -o json)" >> "$GITHUB_OUTPUT"',
    ]);
  });
});

describe('the deploy plan job plans what the deploy jobs will deploy', () => {
  it('it builds the frontend step for step as the frontend job does, and every deploy job waits for it', () => {
    const plan = deploy.jobs['deploy-plan'];
    const build = (job: Job) =>
      (job.steps ?? [])
        .filter((step) => step.uses?.startsWith('actions/setup-node@') || step.name === 'Build')
        .map(({ if: _when, ...step }) => step);
    expect(build(plan)).toHaveLength(2);
    expect(build(plan)).toEqual(build(deploy.jobs.frontend));
    for (const id of ['frontend', 'backend', 'mcp']) expect(deploy.jobs[id].needs).toContain('deploy-plan');
    // Each deploy action of the plan job runs with dry-run, so the plan job changes nothing.
    const actions = (plan.steps ?? []).filter((step) => step.uses?.startsWith('$/actions/'));
    expect(actions.map((step) => [step.uses, step.with?.['dry-run']])).toEqual([
      ['$/actions/deploy-frontend-nginx', true],
      ['$/actions/deploy-k3s-backend', true],
      ['$/actions/deploy-mcp-node', true],
    ]);
  });
});

describe('the plan identity check', () => {
  it("deploy.yml's deploy plan job warns as each of plan.yml's plan jobs does when the plan would run as the deploy identity", () => {
    const check = (job: Job) => (job.steps ?? []).filter((step) => step.name === 'Check the plan identity');
    const plans = loadWorkflow('plan.yml').jobs;
    const planned = Object.keys(plans).filter((id) => check(plans[id]).length > 0);
    expect(planned).toEqual(['staging', 'production']);
    expect(check(deploy.jobs['deploy-plan'])).toHaveLength(1);
    // The deploy jobs that may read a kubeconfig compare it with the plan's alike.
    const compare = (job: Job) => (job.steps ?? []).filter((step) => step.name === 'Compare with the plan identity');
    expect(compare(deploy.jobs.backend)).toHaveLength(1);
    expect(compare(deploy.jobs.mcp)).toEqual(compare(deploy.jobs.backend));
    for (const environment of planned) {
      // The same step, its per-environment inputs written as deploy.yml names them.
      const asDeploy = JSON.stringify(check(plans[environment])).replaceAll(`inputs.${environment}-`, 'inputs.');
      expect(JSON.parse(asDeploy)).toEqual(check(deploy.jobs['deploy-plan']));
    }
  });
});

describe('deploy.yml passes through what an application needs to set', () => {
  it('the MCP taint, the nginx site config, the smoke URL, the kubectl command and the build-time variables reach their step', () => {
    const readers = inputConsumers(deploy);
    expect(readers).toMatchObject({
      // Each twice: the deploy plan job's step, then the deploy job's.
      'mcp-taint': ['$/actions/deploy-mcp-node', '$/actions/deploy-mcp-node'],
      'frontend-nginx-config': ['$/actions/deploy-frontend-nginx', '$/actions/deploy-frontend-nginx'],
      'frontend-nginx-config-path': ['$/actions/deploy-frontend-nginx', '$/actions/deploy-frontend-nginx'],
      'frontend-smoke-url': ['$/actions/deploy-frontend-nginx', '$/actions/deploy-frontend-nginx'],
      // The frontend job's build, and the same build in the deploy plan job.
      'frontend-build-env': ['run', 'run'],
    });
    expect(readers['kubectl-command']).toEqual(
      expect.arrayContaining(['$/actions/deploy-k3s-backend', '$/actions/deploy-mcp-node', '$/actions/rollback']),
    );
  });
});

describe('deploy.yml forwards every input of its actions, except those it sets on purpose', () => {
  // input -> why an application calling deploy.yml never needs to set it.
  const shared: Record<string, string> = {
    port: 'a host names its own SSH port as host:port',
    'ssh-key-passphrase': 'the SSH_KEY secret is a key without passphrase, as in every runner guide',
    'host-fingerprint': 'the SSH_KNOWN_HOSTS secret pins the host keys',
    'insecure-skip-host-key-check': 'a deploy never skips the host key check',
    'connect-timeout': 'the action default (30s, 3 attempts) serves every host of the docs',
    'connect-attempts': 'the action default (30s, 3 attempts) serves every host of the docs',
  };
  const kubernetes: Record<string, string> = {
    ...shared,
    kubectl: "kubectl runs on the k3s server (kubectl-command), or the runner's own with KUBECONFIG",
    'server-side': 'the pipeline applies as documented in docs/workflows.md, one way for every run',
    'field-manager': 'the pipeline applies as documented in docs/workflows.md, one way for every run',
    'force-conflicts': 'the pipeline applies as documented in docs/workflows.md, one way for every run',
    'rollback-on-failure': 'a failed deploy must put back what it changed: the pipeline relies on it',
    'dry-run': 'a deploy job deploys; the deploy plan job sets dry-run: true',
  };
  const deliberate: Record<string, Record<string, string>> = {
    'deploy-frontend-nginx': {
      ...shared,
      'release-id': 'each run gets a fresh release id; its output names it',
      'lock-timeout': 'deploy.yml runs one deploy per environment at a time (its concurrency group)',
      'dry-run': 'a deploy job deploys; the deploy plan job sets dry-run: true',
      cache:
        'the pipeline keeps manifests in the cache (the default): a kept one is used only when the host confirms it',
    },
    'deploy-k3s-backend': kubernetes,
    'deploy-mcp-node': {
      ...kubernetes,
      'label-node': 'the MCP node is labelled by every deploy, as the docs describe',
      'verify-placement': 'the pipeline relies on the placement check',
      mode: 'an audit changes nothing: a job of its own, not a deploy',
    },
  };

  it.each(Object.keys(deliberate))('%s: every input reaches the action or is deliberately fixed', (name) => {
    expect(unforwardedInputs(deploy, name, deliberate[name])).toEqual([]);
  });

  it('every input that fills a placeholder of the site config template is forwarded', () => {
    const inputs = templateVariableInputs('deploy-frontend-nginx');
    expect(inputs).toEqual(expect.arrayContaining(['server-names', 'target', 'host']));
    for (const input of inputs) expect(deliberate['deploy-frontend-nginx']).not.toHaveProperty(input);
    expect(unforwardedInputs(deploy, 'deploy-frontend-nginx', deliberate['deploy-frontend-nginx'])).toEqual([]);
  });

  it('catches a step that leaves server-names unset', () => {
    const w = workflow(
      [
        'jobs:',
        '  frontend:',
        '    steps:',
        '      - uses: $/actions/deploy-frontend-nginx',
        '        with: { host: h, target: /var/www/sophia }',
      ].join('\n'),
    );
    expect(unforwardedInputs(w, 'deploy-frontend-nginx', deliberate['deploy-frontend-nginx'])).toContain(
      'example.yml: job "frontend" does not forward deploy-frontend-nginx input server-names',
    );
  });
});

describe('every frontend rollback forwards the frontend settings the deploy was given', () => {
  // input -> why a frontend rollback step of deploy.yml or rollback.yml leaves it unset.
  const deliberate: Record<string, string> = {
    port: 'a host names its own SSH port as host:port',
    'ssh-key-passphrase': 'the SSH_KEY secret is a key without passphrase, as in every runner guide',
    'host-fingerprint': 'the SSH_KNOWN_HOSTS secret pins the host keys',
    'insecure-skip-host-key-check': 'a rollback never skips the host key check',
    'connect-timeout': 'the action default (30s, 3 attempts) serves every host of the docs',
    'connect-attempts': 'the action default (30s, 3 attempts) serves every host of the docs',
    'mark-failed': 'a release rolled back from is always marked failed, so no later rollback picks it',
    'lock-timeout': 'the workflows run one deploy or rollback per environment at a time (their concurrency group)',
    namespace: 'kubernetes only',
    workloads: 'kubernetes only',
    selector: 'kubernetes only',
    kubeconfig: 'kubernetes only',
    kubectl: 'kubernetes only',
    'kubectl-command': 'kubernetes only',
  };
  /** `workflow` with only its steps that roll the frontend back. */
  const frontendRollbacks = (workflow: Workflow): Workflow => ({
    ...workflow,
    jobs: Object.fromEntries(
      Object.entries(workflow.jobs).map(([id, job]) => [
        id,
        { ...job, steps: (job.steps ?? []).filter((step) => step.with?.component === 'frontend') },
      ]),
    ),
  });

  it.each([
    ['deploy.yml', deploy],
    ['rollback.yml', rollback],
  ])('%s', (_name, workflow) => {
    const steps = Object.values(frontendRollbacks(workflow).jobs).flatMap((job) => job.steps ?? []);
    expect(steps.length).toBeGreaterThan(0);
    expect(unforwardedInputs(frontendRollbacks(workflow), 'rollback', deliberate)).toEqual([]);
  });

  it('catches a frontend rollback that leaves nginx-test-command unset', () => {
    const withoutTest = parseWorkflow(
      'x.yml',
      [
        'on: workflow_call',
        'jobs:',
        '  back:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: $/actions/rollback',
        '        with: { component: frontend, to: previous, target: /srv, nginx-reload-command: r, host: h,',
        '                user: u, ssh-key: k, known-hosts: k }',
      ].join('\n'),
    );
    expect(unforwardedInputs(frontendRollbacks(withoutTest), 'rollback', deliberate)).toEqual([
      'x.yml: job "back" does not forward rollback input nginx-test-command',
    ]);
  });
});

describe('plan.yml plans each environment as the deploy plan job does, and only its comment job writes', () => {
  const plans = loadWorkflow('plan.yml');
  const steps = (job: Job) => (job.steps ?? []).map(({ if: _when, ...step }) => step);
  /** The plan job's steps with the per-environment inputs written as deploy.yml names them. */
  const asDeploy = (job: Job, environment: string) =>
    JSON.parse(JSON.stringify(steps(job)).replaceAll(`inputs.${environment}-`, 'inputs.')) as unknown;

  it.each(['staging', 'production'])("%s: the deploy plan job's steps, under <environment>-plan", (environment) => {
    const job = plans.jobs[environment];
    expect(job.environment).toEqual({ name: `${environment}-plan`, deployment: false });
    // Less what a dry run never uses (no smoke test, no rollout to wait for), which plan.yml has no input for.
    const unused = ['smoke-url', 'rollout-timeout'];
    // Then the job renders its own section of the comment from the plan files: only that bounded
    // section leaves the job, never a plan (plan-comment-action.test.ts).
    const { steps: all = [] } = job;
    expect(all.at(-1)).toMatchObject({
      id: 'sections',
      uses: '$/actions/plan-comment',
      with: { mode: 'section', environments: 2 },
    });
    expect(job.outputs).toEqual({ sections: '${{ steps.sections.outputs.sections }}' });
    expect(asDeploy({ ...job, steps: all.slice(0, -1) }, environment)).toEqual(
      steps(deploy.jobs['deploy-plan']).map((step) =>
        step.uses?.startsWith('$/actions/')
          ? {
              ...step,
              id: expect.any(String),
              with: Object.fromEntries(Object.entries(step.with ?? {}).filter(([name]) => !unused.includes(name))),
            }
          : step,
      ),
    );
  });

  it('grants the comment job pull-requests: write and every other job only contents: read', () => {
    expect(plans.permissions).toEqual({ contents: 'read' });
    expect(plans.jobs.comment.permissions).toEqual({ 'pull-requests': 'write' });
    for (const [id, job] of Object.entries(plans.jobs)) if (id !== 'comment') expect(job.permissions).toBeUndefined();
    expect(pullRequestPlans.jobs.plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(Object.keys(pullRequestPlans.on)).toEqual(['pull_request']);
  });
});
