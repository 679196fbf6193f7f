/**
 * The runner refuses what GitHub refuses, with GitHub's kind of message: a `./` action inside a
 * workflow called from another repository, an input the called workflow does not declare, a
 * required secret the caller does not pass.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConcurrencyGroups, contextDigest, runWorkflow } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let scratch: string;
/** The application's checkout (the caller) and a shared-workflows repository (acme/tools@v1). */
let app: string;
let tools: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'workflow-runner-'));
  app = path.join(scratch, 'app');
  tools = path.join(scratch, 'tools');
  mkdirSync(path.join(app, '.github', 'workflows'), { recursive: true });
  mkdirSync(path.join(tools, '.github', 'workflows'), { recursive: true });
  // The tools repository carries an action of its own, beside its workflows.
  cpSync(path.join(repoRoot, 'actions', 'health-gate'), path.join(tools, 'actions', 'health-gate'), {
    recursive: true,
  });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function write(dir: string, name: string, text: string): void {
  writeFileSync(path.join(dir, '.github', 'workflows', name), text);
}

function gateWorkflow(reference: string): string {
  return [
    'on:',
    '  workflow_call:',
    '    inputs:',
    '      url: { type: string, required: true }',
    '    secrets:',
    '      TOKEN: { required: true }',
    '    outputs:',
    '      answer: { value: "${{ jobs.gate.outputs.answer }}" }',
    'jobs:',
    '  gate:',
    '    runs-on: ubuntu-latest',
    '    outputs:',
    '      answer: ${{ steps.say.outputs.answer }}',
    '    steps:',
    '      - id: say',
    '        run: echo "answer=${{ inputs.url }} ${{ secrets.TOKEN != \'\' }}" >> "$GITHUB_OUTPUT"',
    '      - name: Check',
    `        uses: ${reference}`,
    "        with: { urls: 'http://127.0.0.1:1/', timeout: 300ms, interval: 100ms }",
    '',
  ].join('\n');
}

function caller(withLines: string[], secrets = '    secrets: { TOKEN: "${{ secrets.TOKEN }}" }'): string {
  return [
    'on: push',
    'jobs:',
    '  call:',
    '    uses: acme/tools/.github/workflows/gate.yml@v1',
    '    with:',
    ...withLines.map((line) => `      ${line}`),
    secrets,
    '',
  ].join('\n');
}

function run() {
  return runWorkflow({
    file: '.github/workflows/ci.yml',
    workspace: app,
    secrets: { TOKEN: 't0ken' },
    repositories: { 'acme/tools@v1': tools },
  });
}

test('$/ in a called workflow is its own repository; ./ is the caller checkout, where the action is not', async () => {
  write(tools, 'gate.yml', gateWorkflow('$/actions/health-gate'));
  write(app, 'ci.yml', caller(['url: https://sophia.example']));
  const own = await run();
  const [job] = own.jobs;
  expect(job.id).toBe('call/gate');
  expect(job.steps.map((step) => [step.name, step.result])).toEqual([
    ['Run step 1', 'success'],
    ['Check', 'failure'],
  ]);
  // The action ran (and found nothing healthy at port 1): it was resolved.
  expect(job.steps[1].annotations.map((a) => a.message).join('\n')).toMatch(/health/i);
  expect(own.jobs[0].outputs).toEqual({ answer: 'https://sophia.example true' });

  write(tools, 'gate.yml', gateWorkflow('./actions/health-gate'));
  const local = await run();
  expect(local.result).toBe('failure');
  expect(local.jobs[0].steps[1].note).toBe(
    `Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${path.join(app, 'actions', 'health-gate')}'. ` +
      'Did you forget to run actions/checkout before running your local action?',
  );
});

test('an input the called workflow does not declare, or a required one left out, refuses the file', async () => {
  write(tools, 'gate.yml', gateWorkflow('$/actions/health-gate'));
  write(app, 'ci.yml', caller(['url: https://sophia.example', 'colour: blue']));
  await expect(run()).rejects.toThrow(
    /Invalid workflow file: \.github\/workflows\/ci\.yml\n.*Invalid input, colour is not defined in the referenced workflow\./,
  );
  write(app, 'ci.yml', caller(['other: 1']));
  await expect(run()).rejects.toThrow(/Input url is required, but not provided while calling\./);
});

test('a required secret the caller does not pass refuses the file', async () => {
  write(tools, 'gate.yml', gateWorkflow('$/actions/health-gate'));
  write(app, 'ci.yml', caller(['url: https://sophia.example'], '    secrets: {}'));
  await expect(run()).rejects.toThrow(/Secret TOKEN is required, but not provided while calling\./);
});

test('a repository or ref the run cannot resolve is named', async () => {
  write(app, 'ci.yml', caller(['url: x']).replace('@v1', '@v9'));
  await expect(run()).rejects.toThrow(/Unable to find reusable workflow/);
});

test('a caller that holds the concurrency group of the workflow it calls is cancelled, as GitHub does', async () => {
  write(
    tools,
    'gate.yml',
    gateWorkflow('$/actions/health-gate').replace('jobs:', 'concurrency: gate-${{ inputs.url }}\njobs:'),
  );
  write(app, 'ci.yml', caller(['url: one']).replace('  call:\n', '  call:\n    concurrency: gate-one\n'));
  const deadlocked = await run();
  expect(deadlocked.result).toBe('cancelled');
  expect(deadlocked.jobs.map((job) => [job.id, job.result, job.note])).toEqual([
    [
      'call',
      'cancelled',
      "Canceling since a deadlock was detected for concurrency group: 'gate-one' between '.github/workflows/ci.yml' (job call) and the workflow it calls, .github/workflows/gate.yml",
    ],
  ]);
  // Group names compare case-insensitively: the workflow-level group of the caller deadlocks too.
  write(app, 'ci.yml', `concurrency: GATE-One\n${caller(['url: one'])}`);
  expect((await run()).jobs.map((job) => [job.id, job.result, job.note?.split(':')[0]])).toEqual([
    ['call', 'cancelled', 'Canceling since a deadlock was detected for concurrency group'],
  ]);
  write(app, 'ci.yml', caller(['url: two']).replace('  call:\n', '  call:\n    concurrency: gate-one\n'));
  expect((await run()).jobs[0].id).toBe('call/gate');
});

describe('the Docker actions, which need a daemon this machine lacks, stand in with their real outputs', () => {
  const BUILD = 'docker/build-push-action@53b7df96c91f9c12dcc8a07bcb9ccacbed38856a';
  const LOGIN = 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121';

  function pipeline(build: string, login = ''): string {
    return [
      'on: push',
      'jobs:',
      '  image:',
      '    runs-on: ubuntu-latest',
      '    outputs:',
      '      image: registry.example/api:${{ github.sha }}@${{ steps.build.outputs.digest }}',
      '    steps:',
      `      - uses: ${LOGIN}`,
      `        with: { registry: registry.example, username: "\${{ github.actor }}", password: "${login}" }`,
      '      - id: build',
      `        uses: ${BUILD}`,
      `        with: ${build}`,
      '  deploy:',
      '    needs: image',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "deployed=${{ needs.image.outputs.image }}" >> "$GITHUB_OUTPUT"',
      '        id: deploy',
      '',
    ].join('\n');
  }

  function runPipeline(sha = '3f786850e387550fdab836ed7e6dc881de23001b') {
    return runWorkflow({ file: '.github/workflows/ci.yml', workspace: app, github: { sha } });
  }

  beforeAll(() => {
    mkdirSync(path.join(app, 'api'), { recursive: true });
    writeFileSync(path.join(app, 'api', 'Dockerfile'), 'FROM node:24-alpine\nCOPY server.mjs .\n');
    writeFileSync(path.join(app, 'api', 'server.mjs'), 'console.log("v1")\n');
  });

  test('the next job receives the digest of the context the build read; a changed context is a new digest', async () => {
    write(
      app,
      'ci.yml',
      pipeline('{ context: api, push: true, tags: "registry.example/api:${{ github.sha }}" }', 'pw'),
    );
    const first = await runPipeline();
    expect(first.result).toBe('success');
    const digest = contextDigest(path.join(app, 'api'), path.join(app, 'api', 'Dockerfile'));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const build = first.jobs[0].steps[1];
    expect(build.outputs).toMatchObject({ digest, imageid: digest });
    expect(build.note).toBe(
      `stands in for docker buildx (no Docker here): pushed registry.example/api:3f786850e387550fdab836ed7e6dc881de23001b as ${digest}`,
    );
    expect(first.jobs[0].steps[0].note).toBe('stands in for docker login to registry.example (no Docker here)');
    expect(first.jobs[1].steps[0].outputs).toEqual({
      deployed: `registry.example/api:3f786850e387550fdab836ed7e6dc881de23001b@${digest}`,
    });

    writeFileSync(path.join(app, 'api', 'server.mjs'), 'console.log("v2")\n');
    const second = await runPipeline();
    expect(second.jobs[0].steps[1].outputs.digest).not.toBe(digest);
  });

  test('they fail where the real actions fail: no Dockerfile, a push without a tag, a login without password', async () => {
    const failure = async () => {
      const run = await runPipeline();
      expect(run.jobs.map((job) => [job.id, job.result])).toEqual([
        ['image', 'failure'],
        ['deploy', 'skipped'],
      ]);
      return run.jobs[0].steps.find((step) => step.result === 'failure')?.note;
    };
    write(app, 'ci.yml', pipeline('{ context: api, file: api/Containerfile, push: true, tags: x }', 'pw'));
    expect(await failure()).toBe(
      'ERROR: failed to build: failed to solve: failed to read dockerfile: open Containerfile: no such file or directory',
    );
    write(app, 'ci.yml', pipeline('{ context: api, push: true }', 'pw'));
    expect(await failure()).toBe('ERROR: failed to build: tag is needed when pushing to registry');
    write(app, 'ci.yml', pipeline('{ context: api, push: true, tags: x }', ''));
    expect(await failure()).toBe('Username and password required');
  });

  test('ghcr.io refuses a GITHUB_TOKEN push without packages: write, or outside the repository owner', async () => {
    const ghcr = (permissions: string, image: string, password = '${{ secrets.GITHUB_TOKEN }}') =>
      [
        'on: push',
        ...(permissions ? [permissions] : []),
        'jobs:',
        '  image:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        `      - uses: ${LOGIN}`,
        `        with: { registry: ghcr.io, username: "\${{ github.actor }}", password: "${password}" }`,
        `      - uses: ${BUILD}`,
        `        with: { context: api, push: true, tags: "${image}:1" }`,
        '',
      ].join('\n');
    const push = async (text: string) => {
      write(app, 'ci.yml', text);
      const run = await runWorkflow({
        file: '.github/workflows/ci.yml',
        workspace: app,
        github: { repository: 'sophia/sophia-app' },
        secrets: { OTHER_TOKEN: 'ghp_personal' },
      });
      return run.jobs[0].steps[1].result === 'success' ? 'pushed' : run.jobs[0].steps[1].note;
    };
    const write_ = 'permissions: { contents: read, packages: write }';
    expect(await push(ghcr(write_, 'ghcr.io/sophia/api'))).toBe('pushed');
    expect(await push(ghcr(write_, 'ghcr.io/Sophia/api'))).toBe('pushed');
    expect(await push(ghcr('permissions: write-all', 'ghcr.io/sophia/api'))).toBe('pushed');
    expect(await push(ghcr('permissions: { contents: read }', 'ghcr.io/sophia/api'))).toBe(
      'ERROR: failed to push ghcr.io/sophia/api:1: denied: installation not allowed to Write organization package ' +
        "(the job's GITHUB_TOKEN has packages: none; a push needs packages: write)",
    );
    // No permissions anywhere: the restricted default, packages read.
    expect(await push(ghcr('', 'ghcr.io/sophia/api'))).toMatch(/GITHUB_TOKEN has packages: read;/);
    expect(await push(ghcr(write_, 'ghcr.io/sophia-ai/api'))).toBe(
      'ERROR: failed to push ghcr.io/sophia-ai/api:1: denied: permission_denied: write_package ' +
        "(GITHUB_TOKEN pushes only to ghcr.io/sophia/, the repository owner's namespace)",
    );
    // Another credential is the registry's business, not the token's permissions.
    expect(await push(ghcr('', 'ghcr.io/sophia-ai/api', '${{ secrets.OTHER_TOKEN }}'))).toBe('pushed');
  });
});

describe('workflow_call inputs are checked against their type and typed in the inputs context, as GitHub does', () => {
  const TYPED = [
    'on:',
    '  workflow_call:',
    '    inputs:',
    '      flag: { type: boolean, default: false }',
    '      count: { type: number, default: 3 }',
    '      name: { type: string, required: true }',
    'jobs:',
    '  show:',
    '    runs-on: ubuntu-latest',
    '    outputs:',
    '      seen: ${{ steps.show.outputs.seen }}',
    '    steps:',
    '      - id: show',
    '        env:',
    "          SEEN: ${{ format('{0} {1} {2}', toJSON(inputs.flag), toJSON(inputs.count), toJSON(inputs.name)) }}",
    '        run: echo "seen=$SEEN" >> "$GITHUB_OUTPUT"',
    '',
  ].join('\n');

  /** The caller; its `with:` lines start at line 6, column 7. */
  function call(withLines: string[]): string {
    return [
      'on: push',
      'jobs:',
      '  call:',
      '    uses: acme/tools/.github/workflows/typed.yml@v1',
      '    with:',
      ...withLines.map((line) => `      ${line}`),
      '',
    ].join('\n');
  }

  async function seen(withLines: string[]): Promise<string> {
    write(tools, 'typed.yml', TYPED);
    write(app, 'ci.yml', call(withLines));
    const run = await runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      repositories: { 'acme/tools@v1': tools },
      github: { sha: 'abc123' },
    });
    return run.jobs[0].outputs.seen;
  }

  test('values of their type pass; a boolean or number given to a string is its text; a missing one takes its default', async () => {
    expect(await seen(['flag: true', 'count: 5', 'name: 7'])).toBe('true 5 "7"');
    expect(await seen(['name: ${{ github.sha }}'])).toBe('false 3 "abc123"');
    expect(await seen(["flag: ${{ github.sha == 'abc123' }}", 'name: x'])).toBe('true 3 "x"');
  });

  test('text where a boolean or number is expected: "Unexpected value"', async () => {
    await expect(seen(['flag: "true"', 'name: x'])).rejects.toThrow(
      "The template is not valid. .github/workflows/ci.yml (Line: 6, Col: 13): Unexpected value 'true'",
    );
    await expect(seen(['name: x', 'count: ${{ github.sha }}'])).rejects.toThrow(
      "The template is not valid. .github/workflows/ci.yml (Line: 7, Col: 14): Unexpected value 'abc123'",
    );
  });

  test('another kind: "Unexpected type of value ..., expected type: ..."', async () => {
    await expect(seen(['flag: ${{ vars.UNSET }}', 'name: x'])).rejects.toThrow(
      "The template is not valid. .github/workflows/ci.yml (Line: 6, Col: 13): Unexpected type of value '', expected type: Boolean.",
    );
    await expect(seen(['count: true', 'name: x'])).rejects.toThrow(
      "(Line: 6, Col: 14): Unexpected type of value 'true', expected type: Number.",
    );
    await expect(seen(['name: ${{ github }}'])).rejects.toThrow(
      /\(Line: 6, Col: 13\): Unexpected type of value '\{.*\}', expected type: String\./,
    );
  });

  test('a required input left out is refused by the parser', async () => {
    await expect(seen(['flag: true'])).rejects.toThrow('Input name is required, but not provided while calling.');
  });
});

describe('workflow_dispatch inputs are checked as the form and the REST API check them, and typed', () => {
  const DISPATCH = [
    'on:',
    '  workflow_dispatch:',
    '    inputs:',
    '      target: { type: environment, required: true }',
    '      mode: { type: choice, options: [fast, slow], default: fast }',
    '      dry: { type: boolean, default: false }',
    '      retries: { type: number, default: 2 }',
    '      note: { type: string }',
    'jobs:',
    '  show:',
    '    runs-on: ubuntu-latest',
    '    outputs:',
    '      seen: ${{ steps.show.outputs.seen }}',
    '    steps:',
    '      - id: show',
    '        env:',
    '          SEEN: ${{ toJSON(inputs) }}',
    '        run: echo "seen=$(echo "$SEEN" | tr -d \'\\n \')" >> "$GITHUB_OUTPUT"',
    '',
  ].join('\n');

  async function dispatch(inputs: Record<string, string>): Promise<unknown> {
    write(app, 'dispatch.yml', DISPATCH);
    const run = await runWorkflow({
      file: '.github/workflows/dispatch.yml',
      workspace: app,
      event: 'workflow_dispatch',
      inputs,
      environments: { staging: {}, production: {} },
    });
    return JSON.parse(run.jobs[0].outputs.seen);
  }

  test('booleans and numbers reach the inputs context typed; defaults and empty fields fill the rest', async () => {
    expect(await dispatch({ target: 'staging', dry: 'true', retries: '4' })).toEqual({
      target: 'staging',
      mode: 'fast',
      dry: true,
      retries: 4,
      note: '',
    });
  });

  test.each([
    [{ target: 'qa' }, "Provided value 'qa' for input 'target' not in the list of allowed values"],
    [
      { target: 'staging', mode: 'medium' },
      "Provided value 'medium' for input 'mode' not in the list of allowed values",
    ],
    [{ target: 'staging', dry: 'yes' }, "Provided value 'yes' for input 'dry' not in the list of allowed values"],
    [{ target: 'staging', retries: 'many' }, "Provided value 'many' for input 'retries' is not a number"],
    [{}, "Required input 'target' not provided"],
    [{ target: 'staging', colour: 'blue' }, 'Unexpected inputs provided: ["colour"]'],
  ])('%j is refused: %s', async (inputs, message) => {
    await expect(dispatch(inputs)).rejects.toThrow(message);
  });
});

describe("expressions are evaluated by GitHub's own @actions/expressions, not a hand-written evaluator", () => {
  test('the semantics a hand-written evaluator gets wrong hold: case-insensitive ==, loose number equality, format escapes, fromJSON, indexing vars', async () => {
    const expressions: Array<[string, string]> = [
      ["'ABC' == 'abc'", 'true'],
      ["'1' == 1", 'true'],
      ["format('{0}-{{1}}', 'x')", 'x-{1}'],
      ['fromJSON(\'{"a":[1,2]}\').a[1]', '2'],
      ['contains(fromJSON(\'["a","b"]\'), \'B\')', 'true'],
      ["vars[format('{0}_HOST', 'STAGING')]", 'staging.example'],
      ["vars.MISSING || 'fallback'", 'fallback'],
    ];
    write(
      app,
      'ci.yml',
      [
        'on: push',
        'jobs:',
        '  eval:',
        '    runs-on: ubuntu-latest',
        '    outputs:',
        ...expressions.map(([expression], index) => `      e${index}: \${{ ${expression} }}`),
        '    steps:',
        '      - run: "true"',
        '',
      ].join('\n'),
    );
    const run = await runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      vars: { STAGING_HOST: 'staging.example' },
    });
    expect(run.jobs[0].outputs).toEqual(
      Object.fromEntries(expressions.map(([, expected], index) => [`e${index}`, expected])),
    );
  });

  test('a run: script holding an expression reaches bash as written, its single quotes intact', async () => {
    // The parser turns this script into format('...') with every ' doubled; each must come back single.
    const script = `printf '%s|' "sha \${{ github.sha }}" 'one' "it's" 'a'"'"'b' ''; echo`;
    write(
      app,
      'ci.yml',
      [
        'on: push',
        'jobs:',
        '  quote:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - id: say',
        '        run: |',
        `          echo "said=$(${script})" >> "$GITHUB_OUTPUT"`,
        '',
      ].join('\n'),
    );
    const run = await runWorkflow({ file: '.github/workflows/ci.yml', workspace: app, github: { sha: 'abc123' } });
    expect(run.jobs[0].steps[0].note).toBeUndefined();
    expect(run.jobs[0].steps[0].outputs).toEqual({ said: "sha abc123|one|it's|a'b||" });
  });

  test('no lexer, parser or evaluator of our own in the runner or the demo', () => {
    const sources = [path.join(repoRoot, 'testing', 'workflow-runner', 'src'), path.join(repoRoot, 'demo')].flatMap(
      (dir) => readdirSync(dir).map((file) => path.join(dir, file)),
    );
    expect(sources.filter((file) => /expression/i.test(path.basename(file)))).toEqual([]);
    const own = sources.filter((file) =>
      /\b(class|function)\s+\w*(Lexer|Tokeni[sz]er|Parser|Evaluator)\b/.test(readFileSync(file, 'utf8')),
    );
    expect(own).toEqual([]);
    expect(readFileSync(path.join(repoRoot, 'testing', 'workflow-runner', 'src', 'workflow-parse.ts'), 'utf8')).toMatch(
      /import \{ Evaluator, Lexer, Parser, data \} from '@actions\/expressions';/,
    );
  });
});

describe('secrets reach a called workflow only as its caller passes them, as on GitHub', () => {
  // A called job in an environment that holds SSH_KEY, checking that the environment's key reached it.
  const called = [
    'on:',
    '  workflow_call:',
    '    secrets: { SSH_KEY: { required: false }, DEPLOY_KEY: { required: false } }',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    environment: staging',
    '    steps:',
    '      - run: test "${{ secrets.SSH_KEY }}" = staging-key',
    '',
  ].join('\n');
  function callFrom(owner: string, secrets: string) {
    write(tools, 'env-deploy.yml', called);
    write(
      app,
      'ci.yml',
      [
        'on: push',
        'jobs:',
        '  call:',
        `    uses: ${owner}/tools/.github/workflows/env-deploy.yml@v1`,
        secrets,
        '',
      ].join('\n'),
    );
    return runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      secrets: { SSH_KEY: 'repository-key', OTHER: 'other-key' },
      environments: { staging: { secrets: { SSH_KEY: 'staging-key' } } },
      repositories: { [`${owner}/tools@v1`]: tools },
      github: { repository: 'sophia/sophia-app' },
    });
  }

  test('a caller that passes no secrets leaves the called job without its environment secrets', async () => {
    const run = await callFrom('sophia', '');
    expect(run.result).toBe('failure');
    expect(run.jobs[0].environment?.name).toBe('staging');
  });

  test('with secrets: inherit in the same organization, the environment secret is the one used', async () => {
    const run = await callFrom('sophia', '    secrets: inherit');
    expect(run.result).toBe('success');
  });

  test('an explicit mapping passes its names; the environment value wins for those names only', async () => {
    expect((await callFrom('sophia', '    secrets: { SSH_KEY: "${{ secrets.OTHER }}" }')).result).toBe('success');
    expect((await callFrom('sophia', '    secrets: { DEPLOY_KEY: "${{ secrets.OTHER }}" }')).result).toBe('failure');
  });

  test('secrets: inherit to a workflow of another organization passes nothing', async () => {
    const run = await callFrom('acme', '    secrets: inherit');
    expect(run.result).toBe('failure');
  });
});

describe('jobs relate as on GitHub: secret outputs, ancestors, env and continue-on-error', () => {
  function runCi(lines: string[]) {
    write(app, 'ci.yml', lines.join('\n'));
    return runWorkflow({ file: '.github/workflows/ci.yml', workspace: app, secrets: { TOKEN: 's3cret-value' } });
  }

  test('an output that holds a secret is not passed to the jobs that need it, with the runner warning', async () => {
    const run = await runCi([
      'on: push',
      'jobs:',
      '  make:',
      '    runs-on: ubuntu-latest',
      '    outputs:',
      '      url: https://user:${{ secrets.TOKEN }}@example.test',
      '      plain: visible',
      '    steps:',
      '      - run: "true"',
      '  use:',
      '    needs: make',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: test -z "${{ needs.make.outputs.url }}" && test "${{ needs.make.outputs.plain }}" = visible',
      '',
    ]);
    expect(run.result).toBe('success');
    expect(run.jobs[0].outputs).toEqual({ plain: 'visible' });
    expect(run.jobs[0].warnings).toEqual(["Skip output 'url' since it may contain secret."]);
  });

  test('a failed grand-parent skips a job with the default if:, though its parent ran with always()', async () => {
    const run = await runCi([
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: exit 1',
      '  report:',
      '    needs: build',
      '    if: always()',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: "true"',
      '  publish:',
      '    needs: report',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: "true"',
      '  notify:',
      '    needs: report',
      '    if: failure()',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: "true"',
      '',
    ]);
    const results = Object.fromEntries(run.jobs.map((job) => [job.id, job.result]));
    expect(results).toEqual({ build: 'failure', report: 'success', publish: 'skipped', notify: 'success' });
  });

  test('workflow, job and step env reach run: steps and the env context, the innermost winning', async () => {
    const run = await runCi([
      'on: push',
      'env:',
      '  LEVEL: workflow',
      '  FROM_WORKFLOW: w',
      'jobs:',
      '  check:',
      '    runs-on: ubuntu-latest',
      '    env:',
      '      LEVEL: job',
      '      FROM_JOB: j',
      '    outputs:',
      '      seen: ${{ env.LEVEL }}',
      '    steps:',
      '      - env: { LEVEL: step }',
      '        run: test "$LEVEL $FROM_WORKFLOW $FROM_JOB ${{ env.FROM_JOB }}" = "step w j j"',
      '      - run: test "$LEVEL" = job',
      '',
    ]);
    expect(run.jobs[0].steps.map((step) => step.result)).toEqual(['success', 'success']);
    expect(run.jobs[0].outputs).toEqual({ seen: 'job' });
  });

  test('continue-on-error: a failed step lets the next run; a failed job does not fail the run', async () => {
    const run = await runCi([
      'on: push',
      'jobs:',
      '  flaky:',
      '    runs-on: ubuntu-latest',
      '    continue-on-error: true',
      '    outputs:',
      '      tried: ${{ steps.try.outcome }}/${{ steps.try.conclusion }}',
      '    steps:',
      '      - id: try',
      '        continue-on-error: true',
      '        run: exit 1',
      '      - run: exit 1',
      '  after:',
      '    needs: flaky',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: test "${{ needs.flaky.outputs.tried }}" = failure/success',
      '',
    ]);
    expect(run.jobs.map((job) => [job.id, job.result])).toEqual([
      ['flaky', 'failure'],
      ['after', 'success'],
    ]);
    expect(run.jobs[0].steps.map((step) => step.result)).toEqual(['failure', 'failure']);
    expect(run.result).toBe('success');
  });
});

describe('protected environments: each job waits for its own review, as on GitHub', () => {
  const marks = () => path.join(scratch, 'deployed');

  function deployWorkflow(): string {
    const job = (id: string, environment: string, needs?: string) => [
      `  ${id}:`,
      ...(needs ? [`    needs: ${needs}`] : []),
      '    runs-on: ubuntu-latest',
      `    environment: ${environment}`,
      '    steps:',
      `      - run: echo ${id} >> "${marks()}"`,
    ];
    return [
      'on: push',
      'jobs:',
      ...job('staging-site', 'staging'),
      ...job('staging-api', 'staging'),
      ...job('production-site', 'production', '[staging-site, staging-api]'),
      ...job('production-api', 'production', '[staging-site, staging-api]'),
      '',
    ].join('\n');
  }

  test('approved in staging, rejected in production: the production jobs fail with GitHub words and run nothing', async () => {
    rmSync(marks(), { force: true });
    write(app, 'ci.yml', deployWorkflow());
    const asked: string[] = [];
    const run = await runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      environments: { staging: { requiredReviewers: true }, production: { requiredReviewers: true } },
      review: ({ job, environment }) => {
        asked.push(job);
        return environment === 'production' ? 'rejected' : 'approved';
      },
    });
    expect(run.reviews).toEqual([
      { job: 'staging-site', environment: 'staging', decision: 'approved' },
      { job: 'staging-api', environment: 'staging', decision: 'approved' },
      { job: 'production-site', environment: 'production', decision: 'rejected' },
      { job: 'production-api', environment: 'production', decision: 'rejected' },
    ]);
    expect(asked).toEqual(run.reviews.map((review) => review.job));
    expect(run.result).toBe('failure');
    // Jobs are listed as they end: the two staging jobs run side by side and may end in either order.
    const ended = run.jobs.map((job) => [job.id, job.result, job.note]);
    expect(ended.slice(0, 2).sort()).toEqual([
      ['staging-api', 'success', undefined],
      ['staging-site', 'success', undefined],
    ]);
    expect(ended.slice(2)).toEqual([
      ['production-site', 'failure', "The deployment was rejected or didn't satisfy other protection rules."],
      ['production-api', 'failure', "The deployment was rejected or didn't satisfy other protection rules."],
    ]);
    expect(readFileSync(marks(), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['staging-api', 'staging-site']);
  });

  test('a decision per job: one production job approved, the other rejected; an unprotected environment asks no one', async () => {
    rmSync(marks(), { force: true });
    write(app, 'ci.yml', deployWorkflow());
    const run = await runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      environments: { staging: {}, production: { requiredReviewers: true } },
      review: async ({ job }) => (job === 'production-site' ? 'approved' : 'rejected'),
    });
    expect(run.reviews.map((review) => [review.job, review.decision])).toEqual([
      ['production-site', 'approved'],
      ['production-api', 'rejected'],
    ]);
    expect(readFileSync(marks(), 'utf8').split('\n').filter(Boolean).sort()).toEqual([
      'production-site',
      'staging-api',
      'staging-site',
    ]);
  });

  test('without a review callback, a protected environment is approved', async () => {
    write(app, 'ci.yml', deployWorkflow());
    const run = await runWorkflow({
      file: '.github/workflows/ci.yml',
      workspace: app,
      environments: { production: { requiredReviewers: true } },
    });
    expect(run.result).toBe('success');
    expect(run.reviews.map((review) => review.decision)).toEqual(['approved', 'approved']);
  });
});

test('a job-level concurrency group queues the job as a workflow-level one queues the run', async () => {
  const log = path.join(scratch, 'job-concurrency.log');
  write(
    app,
    'jobs.yml',
    [
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    concurrency: { group: deploy-production, cancel-in-progress: false }',
      '    steps:',
      `      - run: echo "start \${{ github.run_id }}" >> ${log}; sleep 0.5; echo "end \${{ github.run_id }}" >> ${log}`,
      '',
    ].join('\n'),
  );
  try {
    const groups = new ConcurrencyGroups();
    const start = async (runId: string, then: string) => {
      const started = runWorkflow({ file: '.github/workflows/jobs.yml', workspace: app, runId, concurrency: groups });
      while (!groups.events.some((event) => event.run === runId && event.event === then)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { started };
    };
    // Each run starts once the one before holds or waits for the group: the order is the story's.
    const a = await start('a', 'running');
    const b = await start('b', 'pending');
    const c = await start('c', 'pending');
    const runs = await Promise.all([a.started, b.started, c.started]);
    // a runs, b waits, c replaces the pending b: b's job is cancelled and never started.
    expect(runs.map((each) => each.result)).toEqual(['success', 'cancelled', 'success']);
    expect(runs[1].jobs[0].note).toMatch(/newer run of concurrency group 'deploy-production'/);
    expect(readFileSync(log, 'utf8')).toBe('start a\nend a\nstart c\nend c\n');
  } finally {
    rmSync(log, { force: true });
  }
});

test("an attached cache service reaches action steps, never run: scripts, as GitHub's runner gives it", async () => {
  cpSync(
    path.join(repoRoot, 'testing', 'action-runner', 'test', 'fixtures', 'runner-probe'),
    path.join(app, 'actions', 'runner-probe'),
    { recursive: true },
  );
  write(
    app,
    'cache.yml',
    [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - id: script',
      '        run: echo "url=${ACTIONS_RESULTS_URL:-none}" >> "$GITHUB_OUTPUT"',
      '      - id: probe',
      '        uses: ./actions/runner-probe',
      "        with: { exit-code: '0' }",
      '',
    ].join('\n'),
  );
  const env = {
    ACTIONS_CACHE_SERVICE_V2: 'True',
    ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
    ACTIONS_RUNTIME_TOKEN: 't',
  };
  const result = await runWorkflow({
    file: '.github/workflows/cache.yml',
    workspace: app,
    cacheService: { env: () => env },
  });
  const [script, probe] = result.jobs[0].steps;
  expect(script.outputs).toEqual({ url: 'none' });
  expect(JSON.parse(probe.outputs.snapshot).runner).toMatchObject(env);
});
