/**
 * `pnpm demo`: the deploy story on this machine (see story.ts).
 *   --keep   leave sshd, nginx and the cluster running after the story, until Ctrl-C
 *   --fast   short timeouts and fast cluster timings (also DEMO_FAST=1); what the test runs
 *   --install-packages   as root, install missing openssh-server, nginx-light and rsync with apt-get
 *            (systemPackagePlan in @sophia-testing/ssh-hosts); without it the demo only names them and stops
 * Exits 0 only when every claim of the story held.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { runStory, type Machines } from './story.js';
import { systemPackagePlan } from '@sophia-testing/ssh-hosts';
import { bold, cyan, dim, green, red, shownPath, wrapTo } from './terminal.js';

const USAGE = `Usage: pnpm demo [--keep] [--fast] [--install-packages]
  --keep   leave sshd, nginx and the cluster running after the story, until Ctrl-C
  --fast   short timeouts and fast cluster timings (also DEMO_FAST=1)
  --install-packages
           as root, install openssh-server, nginx-light and rsync with apt-get when missing
           (without it the demo names the packages and the command, and installs nothing)`;
const args = new Set(process.argv.slice(2));
if (args.has('--help') || args.has('-h')) {
  console.log(USAGE);
  process.exit(0);
}
for (const arg of args) {
  if (!['--keep', '--fast', '--install-packages'].includes(arg)) {
    console.error(`Unknown option ${arg}.\n${USAGE}`);
    process.exit(2);
  }
}
const keep = args.has('--keep');
const fast = args.has('--fast') || process.env.DEMO_FAST === '1';

function installed(program: string): boolean {
  try {
    accessSync(program, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** sshd and nginx are the frontend host of the story: install them only when asked to, else say how. */
function ensureSystemPackages(): boolean {
  const plan = systemPackagePlan({
    missing: ['/usr/sbin/sshd', '/usr/sbin/nginx'].filter((program) => !installed(program)),
    allowInstall: args.has('--install-packages'),
    root: process.getuid?.() === 0,
  });
  if (plan.action === 'none') return true;
  if (plan.action === 'refuse') {
    console.error(plan.message);
    return false;
  }
  console.log(plan.message);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const command of plan.commands) {
    try {
      execFileSync('sh', ['-c', command], { stdio: 'inherit', env });
    } catch (error) {
      // Newer Debian releases fold nginx-light into nginx.
      if (!command.includes('nginx-light')) throw error;
      console.log('nginx-light is not offered here; installing nginx instead');
      execFileSync('sh', ['-c', command.replace('nginx-light', 'nginx')], { stdio: 'inherit', env });
    }
  }
  return installed('/usr/sbin/sshd') && installed('/usr/sbin/nginx');
}

function kubectlPresent(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    console.error(
      'The demo drives the cluster with the real kubectl, which is not on PATH\n' +
        '(install it: https://kubernetes.io/docs/tasks/tools/).',
    );
    return false;
  }
}

/** `label  value`, the value wrapped under itself when it does not fit the width. */
function labelled(label: string, value: string): string {
  const [first, ...rest] = wrapTo(value, ' '.repeat(14));
  return [`  ${label.padEnd(12)}${first.trimStart()}`, ...rest].join('\n');
}

async function waitForCtrlC(machines: Machines): Promise<void> {
  const lines = [bold('Still running (--keep); Ctrl-C stops everything')];
  for (const [name, { site, kubeconfigPath }] of Object.entries(machines.environments)) {
    const ssh = site.opensshArgs.map((arg) =>
      arg.replace(/(^|=)(\/.*)$/, (_, pre: string, file: string) => pre + shownPath(file)),
    );
    lines.push(
      `  ${bold(name)}`,
      labelled('site', cyan(site.siteUrl)),
      labelled('ssh', `ssh ${ssh.join(' ')} ${site.user}@127.0.0.1`),
      labelled('kubectl', `kubectl --kubeconfig ${shownPath(kubeconfigPath)} get pods -A -o wide`),
    );
  }
  console.log([...lines, labelled('application', shownPath(machines.workspace)), ''].join('\n'));
  await new Promise<void>((resolve) => {
    keepWaiting = resolve;
  });
}

// Ctrl-C while --keep waits ends the wait; at any other time it stops the machines, then exits.
let stopMachines: (() => Promise<void>) | undefined;
let keepWaiting: (() => void) | undefined;
function onSignal(signal: NodeJS.Signals): void {
  if (keepWaiting) {
    keepWaiting();
    keepWaiting = undefined;
    return;
  }
  console.error(`\n${signal}: stopping the machines`);
  void (stopMachines?.() ?? Promise.resolve()).finally(() => process.exit(130));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

async function main(): Promise<number> {
  if (!ensureSystemPackages() || !kubectlPresent()) return 1;
  const started = Date.now();
  console.log(
    `${bold("Sophia AI deploy suite: the application's pipeline on this machine")}${fast ? dim(' (fast)') : ''}\n`,
  );
  const checks = await runStory({
    fast,
    write: (text) => process.stdout.write(text),
    interactive: process.stdout.isTTY === true,
    beforeStop: keep ? waitForCtrlC : undefined,
    onStop: (stop) => {
      stopMachines = stop;
    },
  });
  const failed = checks.filter((c) => !c.held);
  const time = dim(`in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (failed.length === 0) {
    console.log(green(bold(`The story held: ${checks.length} of ${checks.length} claims checked `)) + time);
    return 0;
  }
  console.log(red(bold(`The story did not hold: ${failed.length} of ${checks.length} claims failed `)) + time);
  for (const c of failed)
    console.log([red(`  ✗ ${c.claim}`), ...wrapTo(c.detail, '      ').map((l) => dim(l))].join('\n'));
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(red(`The demo stopped: ${error instanceof Error ? error.message : String(error)}`));
    process.exit(1);
  },
);
