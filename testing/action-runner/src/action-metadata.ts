import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ActionInput {
  description: string;
  required?: boolean;
  default?: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  author?: string;
  branding?: { icon: string; color: string };
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

export const actionsRoot = join(repositoryRoot, 'actions');

export function actionDir(action: string, root = actionsRoot): string {
  if (!/^[a-z0-9-]+$/.test(action)) throw new Error(`Not an action name: "${action}"`);
  return join(root, action);
}

/** The parsed action.yml; YAML scalars are kept as the strings the runner would see. */
export function actionMetadata(action: string, root = actionsRoot): ActionMetadata {
  const metadata = parse(readFileSync(join(actionDir(action, root), 'action.yml'), 'utf8')) as ActionMetadata;
  metadata.inputs ??= {};
  metadata.outputs ??= {};
  for (const input of Object.values(metadata.inputs)) {
    if (input.default !== undefined) input.default = String(input.default);
  }
  return metadata;
}

/** The values the runner fills in for inputs a workflow leaves out. */
export function actionDefaults(action: string, root = actionsRoot): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, input] of Object.entries(actionMetadata(action, root).inputs)) {
    if (input.default === undefined) continue;
    // The runner evaluates expressions in defaults; this harness has no expression engine, so it refuses them.
    if (input.default.includes('${{')) {
      throw new Error(
        `actions/${action}/action.yml: the default of "${name}" is an expression the harness cannot evaluate`,
      );
    }
    defaults[name] = input.default;
  }
  return defaults;
}
