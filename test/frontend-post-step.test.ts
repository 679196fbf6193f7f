import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionRun, CancelOptions } from '@sophia-testing/action-runner';
import { startLinkProxy, startSshHost, type LocalSshHost } from '@sophia-testing/ssh-hosts';
import { readFile, rm, tempDir, writeFile, writeVersionedSite } from './frontend-helpers.js';
import { runFrontendDeploy } from './fixtures/frontend-bed.js';

/**
 * The frontend deploy takes a lock on the target; a run cancelled or killed while holding it must not
 * make the next deploy wait lock-timeout. The post step (post-if: always()) frees it with the token
 * the main step saved, against a real sshd.
 */
let sshHost: LocalSshHost;
let workspace: string;

beforeAll(async () => {
  sshHost = await startSshHost();
  workspace = await tempDir('frontend-post-');
  await writeVersionedSite(join(workspace, 'dist'), 'one');
});
afterAll(async () => {
  await sshHost?.stop();
  await rm(workspace, { recursive: true, force: true });
});

const lockDir = (): string => join(sshHost.siteDir, '.deploy', 'lock');

function deploy(options: { reload: string; cancel?: Omit<CancelOptions, 'when'>; post: boolean }): Promise<ActionRun> {
  return runFrontendDeploy(
    sshHost,
    workspace,
    { 'nginx-reload-command': options.reload, 'lock-timeout': '1m' },
    {
      cancel: options.cancel && { when: () => existsSync(lockDir()), ...options.cancel },
      post: options.post,
      timeoutMs: 30_000,
    },
  );
}

/** A deploy whose reload hangs, so the run is still under the lock when the cancel comes. */
function interrupted(cancel: Omit<CancelOptions, 'when'>, post: boolean): Promise<ActionRun> {
  return deploy({ reload: 'sleep 20', cancel, post });
}

test('a main step killed outright leaves its lock, and the post step frees it', async () => {
  const killed = await interrupted({ firstSignal: 'SIGKILL' }, false);
  expect(killed.signal).toBe('SIGKILL');
  expect(existsSync(lockDir())).toBe(true);
  await rm(lockDir(), { recursive: true, force: true });

  const withPost = await interrupted({ firstSignal: 'SIGKILL' }, true);
  expect(withPost.signal).toBe('SIGKILL');
  expect(withPost.post?.code).toBe(0);
  expect(withPost.post?.log).toMatch(/: freed the deploy lock the interrupted run left behind/);
  expect(existsSync(lockDir())).toBe(false);
});

test('a cancelled run (SIGINT, then SIGTERM) ends at once, and its post step frees the lock', async () => {
  const run = await interrupted({ sigtermAfterMs: 7500 }, true);
  expect(run.cancelled).toBe(true);
  expect(run.cancelSignals).toEqual(['SIGINT']);
  expect(run.code).not.toBe(0);
  expect(run.post?.code).toBe(0);
  expect(existsSync(lockDir())).toBe(false);
});

test('after a run that ended normally, the post step finds nothing to free and says nothing', async () => {
  const run = await deploy({ reload: sshHost.nginxReloadCommand, post: true });
  expect(run.code).toBe(0);
  expect(run.post).toMatchObject({ code: 0, annotations: [] });
  expect(run.post?.log).not.toContain('freed');
});

describe('a site config installed by a run cancelled before or after its switch', () => {
  const configPath = (): string => join(sshHost.nginxConfigDir, 'post-step.conf');
  const live = (): string => {
    try {
      return readlinkSync(join(sshHost.siteDir, 'current'));
    } catch {
      return 'none';
    }
  };
  const installedConfig = (): string => {
    try {
      return readFileSync(configPath(), 'utf8');
    } catch {
      return '';
    }
  };

  beforeAll(async () => {
    await writeFile(
      join(workspace, 'site.conf.tpl'),
      `server {\n  listen 127.0.0.1:${sshHost.nginxPort};\n  server_name 127.0.0.1;\n  root {{release}};\n}\n`,
    );
  });
  afterEach(async () => {
    await rm(configPath(), { force: true });
  });

  function deployWithConfig(
    releaseId: string,
    commands: { test: string; reload: string },
    cancelWhen: () => boolean,
    overrides: Record<string, string> = {},
  ): Promise<ActionRun> {
    return runFrontendDeploy(
      sshHost,
      workspace,
      {
        'release-id': releaseId,
        'nginx-config': 'site.conf.tpl',
        'nginx-config-path': configPath(),
        'nginx-test-command': commands.test,
        'nginx-reload-command': commands.reload,
        'lock-timeout': '1m',
        ...overrides,
      },
      { cancel: { when: cancelWhen }, post: true, timeoutMs: 30_000 },
    );
  }

  test('cancelled between the config and the switch: the post step puts the previous config back and frees the lock', async () => {
    await writeFile(configPath(), '# the config before this deploy\n');
    const before = live();
    // The config test hangs: the new config is in place, the switch has not happened.
    const run = await deployWithConfig('cancelled-before-switch', { test: 'sleep 20', reload: '' }, () =>
      installedConfig().includes('releases/cancelled-before-switch'),
    );
    expect(run.cancelled).toBe(true);
    expect(run.post?.code).toBe(0);
    expect(run.post?.log).toContain(`: put back the nginx config at ${configPath()}`);
    expect(await readFile(configPath(), 'utf8')).toBe('# the config before this deploy\n');
    expect(live()).toBe(before);
    expect(existsSync(lockDir())).toBe(false);
  });

  test('cancelled after the switch, before the deploy ended: the post step puts back the previous release and config', async () => {
    await writeFile(configPath(), '# the config before this deploy\n');
    const before = live();
    // The run reaches the host through a link that dies (stays open, carries nothing) as the cancel
    // comes, once current points at the new release and its reload hangs: the main step cannot put
    // the host back within its grace and is ended. The post step connects anew and puts it back.
    // (A main step that puts the host back itself: frontend-cancel-report.test.ts.)
    const proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: sshHost.sshPort });
    try {
      const run = await deployWithConfig(
        'cancelled-after-switch',
        {
          test: sshHost.nginxTestCommand,
          reload: `if [ "$(readlink current)" = releases/cancelled-after-switch ]; then sleep 20; fi; ${sshHost.nginxReloadCommand}`,
        },
        () => {
          if (live() !== 'releases/cancelled-after-switch') return false;
          proxy.stallOpen();
          return true;
        },
        { port: String(proxy.port), 'known-hosts': sshHost.knownHostsFor(proxy.port) },
      );
      expect(run.cancelled).toBe(true);
      expect(run.code).not.toBe(0);
      // The main step was ended before its put-back finished: its summary is the one published at the cancel.
      expect(run.summary).toContain('is being put back');
      expect(run.post?.code).toBe(0);
      expect(before).toMatch(/^releases\//);
      expect(run.post?.log).toContain(
        `: put back on ${before.slice('releases/'.length)}: the interrupted run had switched it to cancelled-after-switch, before the release was live on every host`,
      );
      expect(run.post?.log).toContain(
        `: put back the nginx config at ${configPath()} as it was before the interrupted run`,
      );
      expect(run.post?.log).not.toContain('already back on');
      expect(await readFile(configPath(), 'utf8')).toBe('# the config before this deploy\n');
      expect(live()).toBe(before);
      expect(existsSync(lockDir())).toBe(false);
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});
