import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One kubectl a test can drive, and the server version the simulator should report to it. */
export interface KubectlBinary {
  /** `1.27`, ... */
  minor: string;
  /** Absolute path of the binary. */
  binary: string;
  /** What the simulator's /version should say (a k3s server of the same minor). */
  serverVersion: string;
}

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every kubectl minor on this machine, oldest first: the versioned binaries (`kubectl.1.27`, ...)
 * beside the target of `kubectl` on PATH (the Google Cloud SDK's dispatcher layout), or, where
 * there are none (as on GitHub's runners), plain `kubectl` with the minor it reports itself.
 * Throws when kubectl is not on PATH: these tests drive the real binary.
 */
export function kubectlBinaries(): KubectlBinary[] {
  const plain = onPath('kubectl');
  if (!plain) throw new Error('kubectl is not on PATH: these tests drive the real kubectl binary');
  const directory = dirname(realpathSync(plain));
  const versioned = readdirSync(directory)
    .map((name) => /^kubectl\.(1\.(\d+))$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null && existsSync(join(directory, match[0])))
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((match) => ({ minor: match[1], binary: join(directory, match[0]), serverVersion: `v${match[1]}.1+k3s1` }));
  if (versioned.length > 0) return versioned;
  const client = JSON.parse(execFileSync(plain, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })) as {
    clientVersion: { major: string; minor: string };
  };
  const minor = `${client.clientVersion.major}.${client.clientVersion.minor.replace(/\D.*$/, '')}`;
  return [{ minor, binary: plain, serverVersion: `v${minor}.1+k3s1` }];
}
