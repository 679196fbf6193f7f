import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './support/workflows.js';
import { ACTION_NAMES } from './support/actions.js';

const script = path.join(repoRoot, 'scripts', 'publish-actions.mjs');

let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'publish-test-'));
});

afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function publish(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync('node', [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SOURCE_REPOSITORY: 'sophia/deploy-actions', SOURCE_COMMIT: 'abc1234', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Bare repositories standing for sophia/<action> on GitHub, and the pattern that names them. */
function remotes(names: string[]): string {
  for (const name of names)
    execFileSync('git', ['init', '--quiet', '--bare', path.join(scratch, 'remotes', `${name}.git`)]);
  return `file://${path.join(scratch, 'remotes')}/{action}.git`;
}

function bare(name: string): string {
  return path.join(scratch, 'remotes', `${name}.git`);
}

/** Every ref of a repository with the commit it points to (tags peeled). */
function refs(name: string): Record<string, string> {
  const lines = git(bare(name), 'for-each-ref', '--format=%(refname) %(objectname) %(*objectname)').split('\n');
  return Object.fromEntries(
    lines.filter(Boolean).map((line) => {
      const [ref, object, peeled] = line.split(' ');
      return [ref, peeled || object];
    }),
  );
}

function filesAt(name: string, ref: string): string[] {
  return git(bare(name), 'ls-tree', '-r', '--name-only', ref).split('\n').sort();
}

function show(name: string, ref: string, file: string): string {
  return git(bare(name), 'show', `${ref}:${file}`);
}

/** A small monorepo of two actions, with files that must not be published beside the ones that must. */
function sourceTree(bundle = 'console.log("v1");\n'): string {
  const root = path.join(scratch, 'source');
  for (const name of ['alpha', 'beta']) {
    const dir = path.join(root, 'actions', name);
    mkdirSync(path.join(dir, 'dist'), { recursive: true });
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    writeFileSync(path.join(dir, 'action.yml'), `name: ${name}\nruns:\n  using: node24\n  main: dist/index.js\n`);
    writeFileSync(path.join(dir, 'README.md'), `# ${name}\n`);
    writeFileSync(path.join(dir, 'dist', 'index.js'), bundle);
    writeFileSync(path.join(dir, 'dist', 'package.json'), '{"type":"module"}\n');
    writeFileSync(path.join(dir, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(path.join(dir, 'package.json'), '{}\n');
  }
  writeFileSync(path.join(root, 'LICENSE'), 'MIT License\n\nCopyright (c) 2026 Sophia AI\n');
  return root;
}

describe('publish-actions', () => {
  it('publishes each action to its own repository: its files only, the release tag and the major tag', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    const run = publish(['--version', 'v1.0.0', '--root', root, '--remote-pattern', pattern]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^alpha: v1\.0\.0 -> [0-9a-f]{12} \(new commit\), v1 moved$/m);
    expect(run.stdout).toMatch(/^beta: v1\.0\.0 -> [0-9a-f]{12} \(new commit\), v1 moved$/m);

    for (const name of ['alpha', 'beta']) {
      const published = refs(name);
      expect(Object.keys(published).sort()).toEqual(['refs/heads/main', 'refs/tags/v1', 'refs/tags/v1.0.0']);
      expect(published['refs/tags/v1']).toBe(published['refs/tags/v1.0.0']);
      expect(published['refs/heads/main']).toBe(published['refs/tags/v1.0.0']);
      expect(filesAt(name, 'v1')).toEqual(['LICENSE', 'README.md', 'action.yml', 'dist/index.js', 'dist/package.json']);
      expect(show(name, 'v1', 'LICENSE')).toContain('Sophia AI');
      expect(git(bare(name), 'log', '-1', '--format=%B', 'v1.0.0')).toContain(
        'Published from sophia/deploy-actions@abc1234.',
      );
    }
  });

  it('a new release commits on top, moves the major tag and the branch, and leaves older tags where they were', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    expect(publish(['--version', 'v1.0.0', '--root', root, '--remote-pattern', pattern]).code).toBe(0);
    const first = refs('alpha');

    sourceTree('console.log("v1.1");\n');
    const run = publish(['--version', 'v1.1.0', '--root', root, '--remote-pattern', pattern]);
    expect(run.code).toBe(0);
    const second = refs('alpha');
    expect(second['refs/tags/v1.0.0']).toBe(first['refs/tags/v1.0.0']);
    expect(second['refs/tags/v1']).toBe(second['refs/tags/v1.1.0']);
    expect(second['refs/heads/main']).toBe(second['refs/tags/v1.1.0']);
    expect(git(bare('alpha'), 'rev-parse', 'v1.1.0^')).toBe(first['refs/tags/v1.0.0']);
    expect(show('alpha', 'v1', 'dist/index.js')).toBe('console.log("v1.1");');
    expect(show('alpha', 'v1.0.0', 'dist/index.js')).toBe('console.log("v1");');
  });

  it('publishing the same version again changes nothing', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    expect(publish(['--version', 'v1.2.0', '--root', root, '--remote-pattern', pattern]).code).toBe(0);
    const before = refs('alpha');
    const again = publish(['--version', 'v1.2.0', '--root', root, '--remote-pattern', pattern]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^alpha: v1\.2\.0 -> [0-9a-f]{12} \(content unchanged\), v1 already here, branch not moved$/m,
    );
    expect(refs('alpha')).toEqual(before);
  });

  it('refuses to move a release tag that was published with other content, before pushing anything', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    expect(publish(['--version', 'v1.0.0', '--root', root, '--remote-pattern', pattern]).code).toBe(0);
    const before = refs('alpha');
    sourceTree('console.log("changed");\n');
    const run = publish(['--version', 'v1.0.0', '--root', root, '--remote-pattern', pattern, '--actions', 'alpha']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'alpha: v1.0.0 was already published with different content; a release tag is never moved (publish a new version)',
    );
    expect(refs('alpha')).toEqual(before);
  });

  it('a backport keeps the major tag and the branch on the newer release; a prerelease moves neither', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    expect(publish(['--version', 'v1.1.0', '--root', root, '--remote-pattern', pattern]).code).toBe(0);
    const latest = refs('alpha')['refs/tags/v1.1.0'];

    sourceTree('console.log("fix");\n');
    const backport = publish(['--version', 'v1.0.1', '--root', root, '--remote-pattern', pattern]);
    expect(backport.code).toBe(0);
    expect(backport.stdout).toContain('v1 kept (a newer v1 release exists), branch not moved');
    sourceTree('console.log("next");\n');
    const prerelease = publish(['--version', 'v2.0.0-rc.1', '--root', root, '--remote-pattern', pattern]);
    expect(prerelease.code).toBe(0);
    expect(prerelease.stdout).toContain('v2 kept (prerelease), branch not moved');

    const after = refs('alpha');
    expect(after['refs/tags/v1']).toBe(latest);
    expect(after['refs/heads/main']).toBe(latest);
    expect(after['refs/tags/v2']).toBeUndefined();
    expect(show('alpha', 'v1.0.1', 'dist/index.js')).toBe('console.log("fix");');
    expect(show('alpha', 'v2.0.0-rc.1', 'dist/index.js')).toBe('console.log("next");');
  });

  it('checks every action before publishing any: a missing bundle stops the release with nothing pushed', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    rmSync(path.join(root, 'actions', 'beta', 'dist'), { recursive: true });
    const run = publish(['--version', 'v1.0.0', '--root', root, '--remote-pattern', pattern]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Nothing was published:\n  beta: dist/index.js is missing');
    expect(refs('alpha')).toEqual({});
    expect(refs('beta')).toEqual({});
  });

  it.each([
    [['--version', '1.0.0'], '--version must look like v1.2.3 (or v1.2.3-rc.1), got "1.0.0"'],
    [['--version', 'v1.0'], '--version must look like v1.2.3 (or v1.2.3-rc.1), got "v1.0"'],
    [['--version', 'v1.0.0', '--remote-pattern', 'file:///nowhere.git'], 'The remote pattern must contain {action}'],
    [['--version', 'v1.0.0', '--actions', 'gamma'], 'No action named gamma (actions: alpha, beta)'],
    [['--version'], '--version needs a value'],
    [['--force'], 'Unknown argument "--force"'],
  ])('refuses %j', (args, message) => {
    const root = sourceTree();
    const run = publish([...args, '--root', root], { PUBLISH_REMOTE_PATTERN: 'file:///unused/{action}.git' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });

  it('--dry-run prepares everything and pushes nothing; the remote pattern may come from the environment', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    const run = publish(['--version', 'v1.0.0', '--root', root, '--dry-run'], { PUBLISH_REMOTE_PATTERN: pattern });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Dry run: nothing was pushed\.\nalpha: v1\.0\.0 -> /);
    expect(refs('alpha')).toEqual({});
  });

  it('publishes the seven actions of this repository as `uses: sophia/<action>@v1` needs them', () => {
    const names = ACTION_NAMES;
    const pattern = remotes(names);
    const summary = path.join(scratch, 'summary.md');
    writeFileSync(summary, '');
    const run = publish(['--version', 'v1.0.0', '--remote-pattern', pattern], { GITHUB_STEP_SUMMARY: summary });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of names) {
      const files = filesAt(name, 'v1');
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'action.yml', 'dist/index.js']));
      expect(files.filter((file) => !/^(LICENSE|README\.md|action\.yml|dist\/.+)$/.test(file))).toEqual([]);
      const metadata = parse(show(name, 'v1', 'action.yml')) as { runs: Record<string, string> };
      // Every action but the health gate, the deployment record and the plan comment cleans up in a post step that runs however the job ends.
      const post = ['health-gate', 'deployment-record', 'plan-comment'].includes(name)
        ? {}
        : { post: 'dist/index.js', 'post-if': 'always()' };
      expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js', ...post });
      expect(show(name, 'v1', 'LICENSE')).toBe(readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8').trim());
      expect(readFileSync(summary, 'utf8')).toContain(`| ${name} | v1.0.0 |`);
    }
  });
  it('--source-major-tag moves vX in the source repository too, by the same rules', () => {
    const root = sourceTree();
    const pattern = remotes(['alpha', 'beta']);
    const origin = path.join(scratch, 'deploy-actions.git');
    execFileSync('git', ['init', '--quiet', '--bare', origin]);
    const commit = (message: string) =>
      git(
        root,
        '-c',
        'user.name=t',
        '-c',
        'user.email=t@example.test',
        'commit',
        '--quiet',
        '--allow-empty',
        '-m',
        message,
      );
    git(root, 'init', '--quiet', '--initial-branch', 'main');
    git(root, 'remote', 'add', 'origin', origin);
    git(root, 'add', '--all');
    commit('first');
    git(root, 'tag', 'v1.0.0');
    const first = git(root, 'rev-parse', 'HEAD');
    commit('second');
    git(root, 'tag', 'v1.1.0');
    git(root, 'push', '--quiet', 'origin', 'main', '--tags');
    const originTag = (tag: string) => git(origin, 'rev-parse', '--verify', '--quiet', `${tag}^{commit}`);

    const run = publish(['--version', 'v1.1.0', '--root', root, '--remote-pattern', pattern, '--source-major-tag']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^source repository: v1\.1\.0 -> [0-9a-f]{12}, v1 moved$/m);
    expect(originTag('v1')).toBe(originTag('v1.1.0'));

    // A backport on the older line: published, but v1 stays on v1.1.0 here as in the action repositories.
    git(root, 'tag', 'v1.0.1', first);
    git(root, 'push', '--quiet', 'origin', 'v1.0.1');
    const backport = publish([
      '--version',
      'v1.0.1',
      '--root',
      root,
      '--remote-pattern',
      pattern,
      '--source-major-tag',
    ]);
    expect(backport.code).toBe(0);
    expect(backport.stdout).toContain('source repository: v1.0.1 -> ');
    expect(backport.stdout).toContain('v1 kept (a newer v1 release exists)');
    expect(originTag('v1')).toBe(originTag('v1.1.0'));

    const before = refs('alpha');
    const untagged = publish([
      '--version',
      'v1.2.0',
      '--root',
      root,
      '--remote-pattern',
      pattern,
      '--source-major-tag',
    ]);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toContain('v1.2.0 is not a tag of the source repository (tag and push it first)');
    expect(refs('alpha')).toEqual(before);
  });
});

describe('release notes from the changelog', () => {
  const changelog = [
    '# Changelog',
    '',
    '## [Unreleased]',
    '',
    '- Something not released yet.',
    '',
    '## [1.2.0] - 2026-11-30',
    '',
    '### Added',
    '',
    '- Reusable workflows callable from the application repository.',
    '',
    '## [1.1.0] - 2026-11-01',
    '',
    '- Older.',
    '',
    '[1.2.0]: https://github.com/sophia/deploy-actions/compare/v1.1.0...v1.2.0',
    '',
  ].join('\n');

  function notes(version: string) {
    const file = path.join(scratch, 'CHANGELOG.md');
    writeFileSync(file, changelog);
    return publish(['--release-notes', version, '--changelog', file]);
  }

  it("prints the version's section, without its heading, the next section or link references", () => {
    expect(notes('v1.2.0')).toEqual({
      code: 0,
      stdout: '### Added\n\n- Reusable workflows callable from the application repository.\n',
      stderr: '',
    });
  });

  it('refuses a version the changelog does not describe, so no release goes out without notes', () => {
    const run = notes('v1.3.0');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('The changelog has no section for v1.3.0 (a "## [1.3.0]" heading)');
  });

  it("this repository's CHANGELOG.md is in that layout", () => {
    expect(readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[Unreleased\]$/m);
  });
});
