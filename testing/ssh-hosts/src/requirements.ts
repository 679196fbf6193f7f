import { access, constants } from 'node:fs/promises';

export const INSTALL_COMMAND = 'apt-get install -y openssh-server nginx-light rsync';

/** Fails with the one command that fixes it when a program the host runs is not installed. */
export async function requirePrograms(programs: string[]): Promise<void> {
  const missing: string[] = [];
  for (const program of programs) {
    try {
      await access(program, constants.X_OK);
    } catch {
      missing.push(program);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `The local SSH host needs ${missing.join(' and ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed. Install with: ${INSTALL_COMMAND}`,
    );
  }
}
