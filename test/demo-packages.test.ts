/**
 * `pnpm demo` never installs system packages unasked: what it says and does when sshd or nginx
 * is missing, with and without --install-packages, as root or not.
 */
import { systemPackagePlan } from '@sophia-testing/ssh-hosts';

const INSTALL = 'apt-get install -y openssh-server nginx-light rsync';

test('nothing missing: nothing to say, nothing to run', () => {
  expect(systemPackagePlan({ missing: [], allowInstall: true, root: true })).toEqual({
    action: 'none',
    message: '',
    commands: [],
  });
});

test('without --install-packages it names the packages, why, and the command, and installs nothing', () => {
  for (const root of [true, false]) {
    const plan = systemPackagePlan({ missing: ['/usr/sbin/nginx'], allowInstall: false, root });
    expect(plan.action).toBe('refuse');
    expect(plan.commands).toEqual([]);
    expect(plan.message).toContain('The demo needs the packages openssh-server, nginx-light and rsync');
    expect(plan.message).toContain('real OpenSSH server and nginx on this machine');
    expect(plan.message).toContain('Not installed: /usr/sbin/nginx.');
    expect(plan.message).toContain(
      root ? `  apt-get update && ${INSTALL}` : `  sudo apt-get update && sudo ${INSTALL}`,
    );
    expect(plan.message).toContain('pnpm demo --install-packages');
  }
});

test('--install-packages without root refuses: apt-get could not run', () => {
  const plan = systemPackagePlan({ missing: ['/usr/sbin/sshd'], allowInstall: true, root: false });
  expect(plan.action).toBe('refuse');
  expect(plan.commands).toEqual([]);
  expect(plan.message).toContain('--install-packages runs those commands itself only as root');
});

test('--install-packages as root announces what it installs and why before the commands it runs', () => {
  const plan = systemPackagePlan({
    missing: ['/usr/sbin/sshd', '/usr/sbin/nginx'],
    allowInstall: true,
    root: true,
  });
  expect(plan).toEqual({
    action: 'install',
    message:
      "Not installed: /usr/sbin/sshd and /usr/sbin/nginx; the story's frontend host is a real OpenSSH server " +
      'and nginx on this machine, and releases travel with rsync.\n' +
      `Installing (--install-packages): apt-get update && ${INSTALL}`,
    commands: ['apt-get update', INSTALL],
  });
});
