import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Publication } from '@sophia/reporting';

/**
 * The publication with its `plan` output (a deploy plan document, when the run made one) also
 * written as JSON to a file under RUNNER_TEMP, named `<action>-plan-<random>.json` so two steps of
 * one job never share it, and that file's path as the `plan-file` output: a later step uploads it
 * or reads it without the size limits of an output. A publication without a plan is returned as it is.
 */
export function withPlanFile(publication: Publication, action: string): Publication {
  const plan = publication.outputs?.plan;
  if (plan === undefined) return publication;
  const dir = process.env.RUNNER_TEMP || tmpdir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${action}-plan-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
  return { ...publication, outputs: { ...publication.outputs, 'plan-file': path } };
}
