import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { ReportedError } from '@sophia/reporting';
import { publish, publishProvisional, publishing } from '../src/index.js';

class CountReportedError extends ReportedError<{ count: number }> {}
class OtherReportedError extends ReportedError<{ unrelated: string }> {}

let dir: string;
const saved = { ...process.env };
let stdout: string[];
const write = process.stdout.write;

// One pair of files for the whole file: the toolkit's summary keeps the path it first wrote to.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'publish-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  for (const file of ['output', 'summary']) writeFileSync(join(dir, file), '');
  process.env.GITHUB_OUTPUT = join(dir, 'output');
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
  stdout = [];
  // The runner reads workflow commands (`::warning::`) from the step's stdout.
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = write;
  process.env = { ...saved };
});

const written = (file: 'output' | 'summary') => readFileSync(join(dir, file), 'utf8');

const plan = {
  reported: CountReportedError,
  publicationOf: (report: { count: number }) => ({
    outputs: { count: report.count },
    summary: `counted ${report.count}`,
  }),
  unreported: (error: unknown) => ({ outputs: { count: 0 }, summary: `nothing counted: ${(error as Error).message}` }),
};

test("the plan's reported error publishes the report it carries, then fails the work", async () => {
  const failure = new CountReportedError('half done', { count: 3 });
  await expect(publishing(() => Promise.reject(failure), plan)).rejects.toBe(failure);
  expect(written('output')).toContain('3');
  expect(written('summary')).toBe('counted 3\n');
});

test('a ReportedError of another kind is not taken for the report: it is published as unreported', async () => {
  const failure = new OtherReportedError('elsewhere', { unrelated: 'x' });
  await expect(publishing(() => Promise.reject(failure), plan)).rejects.toBe(failure);
  expect(written('summary')).toBe('nothing counted: elsewhere\n');
});

test('when the publication of a failure fails, the step fails with the original error and a warning says why', async () => {
  const failure = new CountReportedError('half done', { count: 3 });
  const broken = {
    ...plan,
    publicationOf: (): never => {
      throw new Error('cannot render');
    },
  };
  await expect(publishing(() => Promise.reject(failure), broken)).rejects.toBe(failure);
  expect(stdout.join('')).toContain(
    '::warning::The outputs and summary of this failure could not be written: cannot render',
  );
});

test('a step that publishes at a cancel and again at its end writes each log group, annotation and warning once', async () => {
  const atCancel = {
    outputs: { count: 1 },
    logGroups: [{ title: 'host a', lines: ['switching'] }],
    annotations: [
      { file: 'k.yaml', line: 3, message: 'bad field', title: 'Manifest problem', level: 'error' as const },
    ],
    warnings: ['host a is slow'],
    summary: 'putting back',
  };
  // The work is inside a log group of its own when the cancel comes.
  core.startGroup('Apply');
  await publishProvisional(atCancel);
  core.endGroup();
  await publish({
    ...atCancel,
    outputs: { count: 2 },
    logGroups: [{ title: 'host a', lines: ['switching', 'put back'] }],
    warnings: ['host a is slow', 'host a was put back'],
    summary: 'put back',
  });
  const log = stdout.join('').split('\n');
  // The groups are the final publication's only: one written at the cancel could open inside a group of the work.
  expect(log.filter((line) => /^::(end)?group::/.test(line))).toEqual([
    '::group::Apply',
    '::endgroup::',
    '::group::host a',
    '::endgroup::',
  ]);
  expect(log).toContain('put back');
  expect(log.filter((line) => line.startsWith('::error '))).toHaveLength(1);
  expect(log.filter((line) => line === '::warning::host a is slow')).toHaveLength(1);
  expect(log).toContain('::warning::host a was put back');
  expect(written('summary')).toBe('put back\n');
  // The outputs are written again: the later entry for a name is the one the runner keeps.
  expect(written('output').match(/^count<</gm)).toHaveLength(2);
});
