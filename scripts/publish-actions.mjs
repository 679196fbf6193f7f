#!/usr/bin/env node
/**
 * Publishes each action of this monorepo to a repository of its own, so `uses: sophia/<action>@v1`
 * works: the repository receives action.yml, dist/, README.md and LICENSE on its default branch,
 * the release tag vX.Y.Z (never moved once pushed) and the major tag vX (moved forward on every
 * release of that major line, the one tag that is force-pushed).
 *
 * Usage: node scripts/publish-actions.mjs --version v1.2.3 [--remote-pattern URL] [--actions a,b]
 *                                         [--root DIR] [--branch main] [--dry-run] [--source-major-tag]
 *   --remote-pattern  git URL with `{action}` standing for the action's directory name
 *                     (env PUBLISH_REMOTE_PATTERN; default https://github.com/sophia/{action}.git)
 *   PUBLISH_TOKEN     token sent as an HTTP header to https remotes (never put in a URL or a log)
 *   --source-major-tag  also move vX in this repository's origin (for `sophia/deploy-actions/actions/<action>@v1`)
 *   SOURCE_REPOSITORY, SOURCE_COMMIT  recorded in each commit message (default: this checkout's HEAD)
 *
 *        node scripts/publish-actions.mjs --release-notes v1.2.3 [--changelog CHANGELOG.md]
 *   prints the notes of that version from the changelog (its `## [1.2.3]` section), for the
 *   GitHub Release; fails when the changelog has no such section.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DEFAULT_REMOTE_PATTERN = 'https://github.com/sophia/{action}.git';
const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/;
const PUBLISHED_FILES = ['action.yml', 'dist', 'README.md', 'LICENSE'];

export class PublishError extends Error {}

export function parseVersion(raw) {
  const match = VERSION.exec(raw ?? '');
  if (!match) throw new PublishError(`--version must look like v1.2.3 (or v1.2.3-rc.1), got "${raw ?? ''}"`);
  const [, major, minor, patch, prerelease] = match;
  return { tag: raw, major: Number(major), minor: Number(minor), patch: Number(patch), prerelease: prerelease ?? '' };
}

function compareReleases(a, b) {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function parseArguments(argv) {
  const options = { dryRun: false };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new PublishError(`${flag} needs a value`);
      index += 1;
      return next;
    };
    if (flag === '--version') options.version = value();
    else if (flag === '--remote-pattern') options.remotePattern = value();
    else if (flag === '--actions') options.actions = value();
    else if (flag === '--root') options.root = value();
    else if (flag === '--branch') options.branch = value();
    else if (flag === '--dry-run') options.dryRun = true;
    else if (flag === '--source-major-tag') options.sourceMajorTag = true;
    else if (flag === '--release-notes') options.releaseNotes = value();
    else if (flag === '--changelog') options.changelog = value();
    else throw new PublishError(`Unknown argument "${flag}"`);
  }
  return options;
}

/** Runs git; output is returned, never echoed, because a failing command may print a remote URL. */
function git(cwd, args, { auth, allowFailure = false } = {}) {
  const config = auth ? ['-c', `http.extraheader=AUTHORIZATION: basic ${auth}`] : [];
  try {
    return execFileSync('git', [...config, ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    }).trim();
  } catch (error) {
    if (allowFailure) return undefined;
    const stderr = String(error.stderr ?? '').trim();
    throw new PublishError(`git ${args[0]} failed: ${stderr.split('\n').slice(-3).join(' | ')}`);
  }
}

/** The actions to publish, each checked for every file it needs before anything is pushed. */
export function collectActions(root, only) {
  const actionsDir = path.join(root, 'actions');
  const all = readdirSync(actionsDir)
    .filter((name) => existsSync(path.join(actionsDir, name, 'action.yml')))
    .sort();
  const wanted = only
    ? only
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    : all;
  const unknown = wanted.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new PublishError(`No action named ${unknown.join(', ')} (actions: ${all.join(', ')})`);
  }
  const rootLicense = path.join(root, 'LICENSE');
  const problems = [];
  const actions = wanted.map((name) => {
    const dir = path.join(actionsDir, name);
    const license = existsSync(path.join(dir, 'LICENSE')) ? path.join(dir, 'LICENSE') : rootLicense;
    for (const needed of ['action.yml', 'README.md', path.join('dist', 'index.js')]) {
      if (!existsSync(path.join(dir, needed))) problems.push(`${name}: ${needed} is missing`);
    }
    if (!existsSync(license)) problems.push(`${name}: no LICENSE in the action or at the repository root`);
    return { name, dir, license };
  });
  if (problems.length > 0) throw new PublishError(`Nothing was published:\n  ${problems.join('\n  ')}`);
  return actions;
}

function remoteFor(pattern, name) {
  if (!pattern.includes('{action}'))
    throw new PublishError(`The remote pattern must contain {action}, got "${pattern}"`);
  return pattern.replaceAll('{action}', name);
}

/** Makes the work tree exactly the published files of the action. */
function stageActionFiles(work, action) {
  for (const entry of readdirSync(work)) {
    if (entry !== '.git') rmSync(path.join(work, entry), { recursive: true, force: true });
  }
  for (const file of PUBLISHED_FILES) {
    const source = file === 'LICENSE' ? action.license : path.join(action.dir, file);
    cpSync(source, path.join(work, file), { recursive: statSync(source).isDirectory() });
  }
  git(work, ['add', '--all']);
}

/** Every final (not prerelease) version tag in the repository. */
function releasedVersions(work) {
  return git(work, ['tag', '--list', 'v*'])
    .split('\n')
    .filter((tag) => VERSION.test(tag))
    .map(parseVersion)
    .filter((version) => !version.prerelease);
}

function revision(work, ref) {
  return git(work, ['rev-parse', '--verify', '--quiet', ref], { allowFailure: true }) || undefined;
}

/** Where a version stands among the released ones: the newest overall, the newest of its major line. */
function standing(work, version) {
  const released = releasedVersions(work);
  const notOlder = (others) => !version.prerelease && others.every((other) => compareReleases(other, version) <= 0);
  return {
    newest: notOlder(released),
    newestOfLine: notOlder(released.filter((other) => other.major === version.major)),
  };
}

/** How a major tag fared, in words for the report. */
function majorTagReport(version, newestOfLine, moved) {
  const majorTag = `v${version.major}`;
  if (version.prerelease) return `${majorTag} kept (prerelease)`;
  if (!newestOfLine) return `${majorTag} kept (a newer ${majorTag} release exists)`;
  return `${majorTag} ${moved ? 'moved' : 'already here'}`;
}

function identity() {
  return [
    '-c',
    `user.name=${process.env.GIT_AUTHOR_NAME || 'Sophia AI'}`,
    '-c',
    `user.email=${process.env.GIT_AUTHOR_EMAIL || 'releases@sophia.ai'}`,
  ];
}

/**
 * One action: fetch its repository, lay the files over its branch, commit, tag. The branch only
 * moves forward to the newest release (a backport or prerelease is reachable by its tag alone);
 * the major tag moves to the newest release of its line.
 */
function publishOne(action, settings) {
  const { version, remotePattern, branch, auth, dryRun, source } = settings;
  const remote = remoteFor(remotePattern, action.name);
  const work = mkdtempSync(path.join(os.tmpdir(), `publish-${action.name}-`));
  try {
    git(work, ['init', '--quiet']);
    git(work, ['remote', 'add', 'origin', remote]);
    git(work, ['fetch', '--quiet', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'], {
      auth,
    });
    const branchHead = revision(work, `refs/remotes/origin/${branch}`);
    git(
      work,
      branchHead ? ['checkout', '--quiet', '-B', branch, branchHead] : ['checkout', '--quiet', '--orphan', branch],
    );
    stageActionFiles(work, action);
    const tree = git(work, ['write-tree']);

    const publishedTree = revision(work, `refs/tags/${version.tag}^{tree}`);
    if (publishedTree && publishedTree !== tree) {
      throw new PublishError(
        `${action.name}: ${version.tag} was already published with different content; a release tag is never moved (publish a new version)`,
      );
    }
    const { newest, newestOfLine } = standing(work, version);

    let newCommit = false;
    if (!publishedTree) {
      if (!branchHead || git(work, ['rev-parse', 'HEAD^{tree}']) !== tree) {
        const message = `${action.name} ${version.tag}\n\nPublished from ${source.repository}@${source.commit}.`;
        git(work, [...identity(), 'commit', '--quiet', '-m', message]);
        newCommit = true;
      }
      git(work, [...identity(), 'tag', '--annotate', version.tag, '-m', `${action.name} ${version.tag}`]);
    }
    const commit = git(work, ['rev-parse', `refs/tags/${version.tag}^{commit}`]);

    const majorTag = `v${version.major}`;
    const majorBefore = revision(work, `refs/tags/${majorTag}^{commit}`);
    const moveMajor = newestOfLine && majorBefore !== commit;
    if (moveMajor) {
      git(work, [
        ...identity(),
        'tag',
        '--force',
        '--annotate',
        majorTag,
        '-m',
        `${action.name} ${version.tag}`,
        commit,
      ]);
    }
    const moveBranch = newest && !publishedTree && branchHead !== commit;

    if (!dryRun) {
      const refs = [`refs/tags/${version.tag}`];
      if (moveBranch) refs.unshift(`${commit}:refs/heads/${branch}`);
      git(work, ['push', '--quiet', 'origin', ...refs], { auth });
      if (moveMajor) git(work, ['push', '--quiet', '--force', 'origin', `refs/tags/${majorTag}`], { auth });
    }
    return {
      action: action.name,
      commit,
      newCommit,
      majorTag: majorTagReport(version, newestOfLine, moveMajor),
      branchMoved: moveBranch,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sourceRoot(options) {
  return path.resolve(options.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
}

/** The commit the release tag names in the source repository's origin; checked before anything is published. */
export function sourceReleaseCommit(root, version) {
  git(root, ['fetch', '--quiet', '--force', 'origin', '+refs/tags/*:refs/tags/*']);
  const commit = revision(root, `refs/tags/${version.tag}^{commit}`);
  if (!commit) throw new PublishError(`${version.tag} is not a tag of the source repository (tag and push it first)`);
  return commit;
}

/**
 * Moves vX in the repository the actions come from (its `origin`), so that
 * `uses: sophia/deploy-actions/actions/<action>@v1` follows releases as `sophia/<action>@v1` does.
 */
export function moveSourceMajorTag(options) {
  const version = parseVersion(options.version);
  const root = sourceRoot(options);
  const commit = sourceReleaseCommit(root, version);
  const { newestOfLine } = standing(root, version);
  const majorTag = `v${version.major}`;
  const move = newestOfLine && revision(root, `refs/tags/${majorTag}^{commit}`) !== commit;
  if (move && !options.dryRun) {
    git(root, [...identity(), 'tag', '--force', '--annotate', majorTag, '-m', `deploy-actions ${version.tag}`, commit]);
    git(root, ['push', '--quiet', '--force', 'origin', `refs/tags/${majorTag}`]);
  }
  return { commit, majorTag: majorTagReport(version, newestOfLine, move) };
}

/**
 * The section of a changelog in the Keep a Changelog layout (https://keepachangelog.com) for one
 * version: from its `## [1.2.3]` (or `## 1.2.3`, `## v1.2.3`) heading, with or without a date,
 * up to the next `## ` heading; the heading itself is left out (the release names the version).
 * Throws PublishError when the changelog has no section for the version or the section is empty.
 */
export function releaseNotes(changelog, rawVersion) {
  const version = parseVersion(rawVersion);
  const number = version.tag.slice(1).replace(/[.+]/g, '\\$&');
  const heading = new RegExp(`^## \\[?v?${number}\\]?(?:\\s.*)?$`, 'm');
  const start = heading.exec(changelog);
  if (!start)
    throw new PublishError(
      `The changelog has no section for ${version.tag} (a "## [${version.tag.slice(1)}]" heading)`,
    );
  const rest = changelog.slice(start.index + start[0].length);
  const end = rest.search(/^## /m);
  const notes = (end === -1 ? rest : rest.slice(0, end)).replace(/^\[[^\]]+\]: .*$/gm, '').trim();
  if (!notes) throw new PublishError(`The changelog section for ${version.tag} is empty`);
  return `${notes}\n`;
}

function basicAuth(token) {
  return token ? Buffer.from(`x-access-token:${token}`).toString('base64') : undefined;
}

export function publishActions(options) {
  const version = parseVersion(options.version);
  const root = sourceRoot(options);
  const actions = collectActions(root, options.actions);
  if (options.sourceMajorTag) sourceReleaseCommit(root, version);
  const remotePattern = options.remotePattern ?? process.env.PUBLISH_REMOTE_PATTERN ?? DEFAULT_REMOTE_PATTERN;
  for (const action of actions) remoteFor(remotePattern, action.name);
  const source = {
    repository: process.env.SOURCE_REPOSITORY || 'sophia/deploy-actions',
    commit: process.env.SOURCE_COMMIT || git(root, ['rev-parse', 'HEAD'], { allowFailure: true }) || 'unknown',
  };
  const settings = {
    version,
    remotePattern,
    branch: options.branch ?? 'main',
    auth: /^https:/.test(remotePattern) ? basicAuth(process.env.PUBLISH_TOKEN) : undefined,
    dryRun: options.dryRun ?? false,
    source,
  };
  return actions.map((action) => publishOne(action, settings));
}

function report(results, version, dryRun) {
  const lines = results.map(
    (r) =>
      `${r.action}: ${version} -> ${r.commit.slice(0, 12)} (${r.newCommit ? 'new commit' : 'content unchanged'}), ${r.majorTag}${r.branchMoved ? '' : ', branch not moved'}`,
  );
  console.log((dryRun ? ['Dry run: nothing was pushed.'] : []).concat(lines).join('\n'));
  if (process.env.GITHUB_STEP_SUMMARY) {
    const rows = results.map((r) => `| ${r.action} | ${version} | \`${r.commit.slice(0, 12)}\` | ${r.majorTag} |`);
    appendFileSync(
      process.env.GITHUB_STEP_SUMMARY,
      [
        '### Published actions',
        '',
        '| Action | Version | Commit | Major tag |',
        '| --- | --- | --- | --- |',
        ...rows,
        '',
      ].join('\n'),
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const options = parseArguments(process.argv.slice(2));
    if (options.releaseNotes) {
      const changelog = options.changelog ?? path.join(sourceRoot(options), 'CHANGELOG.md');
      process.stdout.write(releaseNotes(readFileSync(changelog, 'utf8'), options.releaseNotes));
      process.exit(0);
    }
    const results = publishActions(options);
    report(results, options.version, options.dryRun);
    if (options.sourceMajorTag) {
      const here = moveSourceMajorTag(options);
      console.log(`source repository: ${options.version} -> ${here.commit.slice(0, 12)}, ${here.majorTag}`);
    }
  } catch (error) {
    console.error(error instanceof PublishError ? error.message : error);
    process.exit(1);
  }
}
