/**
 * What `pnpm demo` does when the programs of its frontend host (a real OpenSSH server and nginx)
 * are missing. Installing system packages changes the machine for good, so the demo never does it
 * unasked: without `--install-packages` it names the packages, why it needs them and the command,
 * and stops; with it (as root, which apt-get needs) it says the same, then runs the commands.
 */
import { INSTALL_COMMAND } from './requirements.js';

/** The decision, and the words that announce it (printed before anything is installed). */
export interface PackagePlan {
  action: 'none' | 'install' | 'refuse';
  message: string;
  /** Shell commands run for `install`, in order; empty otherwise. */
  commands: string[];
}

const WHY =
  "the story's frontend host is a real OpenSSH server and nginx on this machine, and releases travel with rsync";

/**
 * `missing`: absolute paths of the programs not installed (such as /usr/sbin/nginx);
 * `allowInstall`: `--install-packages` was given; `root`: the process runs as uid 0.
 */
export function systemPackagePlan(state: { missing: string[]; allowInstall: boolean; root: boolean }): PackagePlan {
  if (state.missing.length === 0) return { action: 'none', message: '', commands: [] };
  const missing = `Not installed: ${state.missing.join(' and ')}`;
  if (!state.allowInstall || !state.root) {
    const sudo = state.root ? '' : 'sudo ';
    return {
      action: 'refuse',
      message: [
        `The demo needs the packages openssh-server, nginx-light and rsync: ${WHY}.`,
        `${missing}. Install them with:`,
        '',
        `  ${sudo}apt-get update && ${sudo}${INSTALL_COMMAND}`,
        '',
        state.allowInstall
          ? '--install-packages runs those commands itself only as root (apt-get needs it).'
          : 'or, as root, let the demo run those commands: pnpm demo --install-packages',
      ].join('\n'),
      commands: [],
    };
  }
  return {
    action: 'install',
    message: `${missing}; ${WHY}.\nInstalling (--install-packages): apt-get update && ${INSTALL_COMMAND}`,
    commands: ['apt-get update', INSTALL_COMMAND],
  };
}
