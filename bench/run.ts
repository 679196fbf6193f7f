/**
 * `pnpm bench [frontend|kubernetes|startup ...]`: runs the named benchmarks (all when none is
 * named), prints their tables and writes bench/results.json, keeping the sections of benchmarks
 * not run this time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchFrontend } from './frontend.js';
import { benchKubernetes, kubernetesReport } from './kubernetes.js';
import { format, resolveConfig } from 'prettier';
import { benchStartup, startupReport } from './startup.js';

const BENCHMARKS = ['frontend', 'kubernetes', 'startup'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}\n`);
  process.exit(2);
}
const chosen: Benchmark[] = asked.length > 0 ? (asked as Benchmark[]) : [...BENCHMARKS];

const resultsFile = join(import.meta.dirname ?? 'bench', 'results.json');
const previous: Record<string, unknown> = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
const results: Record<string, unknown> = {
  frontend: previous.frontend,
  kubernetes: previous.kubernetes,
  startup: previous.startup,
};
const loadAverage = () => loadavg();
// Written as the repository's formatter writes JSON, so a fresh run passes `pnpm lint` as committed.
const writeResults = async () =>
  writeFileSync(
    resultsFile,
    await format(JSON.stringify(results, null, 2), { ...(await resolveConfig(resultsFile)), parser: 'json' }),
  );

for (const name of chosen) {
  process.stderr.write(
    `${name}: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  if (name === 'frontend') {
    const { text, json } = await benchFrontend();
    process.stdout.write(`${text}\n`);
    results.frontend = { ...json, loadAverage: loadavg() };
  } else if (name === 'kubernetes') {
    // Each finished size is written at once: 50 workloads on a loaded machine can take long.
    const json = await benchKubernetes(loadAverage, async (partial) => {
      results.kubernetes = partial;
      await writeResults();
    });
    process.stdout.write(`${kubernetesReport(json)}\n`);
    results.kubernetes = json;
  } else {
    const json = await benchStartup(loadAverage);
    process.stdout.write(`${startupReport(json)}\n`);
    results.startup = json;
  }
  await writeResults();
}
