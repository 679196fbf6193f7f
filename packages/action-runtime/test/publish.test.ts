import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportedError } from '@sophia/reporting';
import { publishing } from '../src/index.js';

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
