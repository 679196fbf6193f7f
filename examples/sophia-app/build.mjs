// Builds the site into dist/: the pages from src/ with the build-time settings filled in, and
// healthz.json, which the pipeline's health gate reads. SOPHIA_API_URL is required: a site built
// without it cannot reach the backend, so its health file says so and the gate refuses it.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const apiUrl = process.env.SOPHIA_API_URL ?? '';
const version = process.env.SOPHIA_VERSION || 'dev';

rmSync('dist', { recursive: true, force: true });
cpSync('src', 'dist', { recursive: true });
const page = readFileSync('dist/index.html', 'utf8');
writeFileSync('dist/index.html', page.replaceAll('%SOPHIA_API_URL%', apiUrl).replaceAll('%SOPHIA_VERSION%', version));
const health = apiUrl
  ? { status: 'ok', version }
  : { status: 'error', version, error: 'SOPHIA_API_URL was not set at build time' };
writeFileSync('dist/healthz.json', `${JSON.stringify(health)}\n`);
console.log(`Built Sophia AI ${version} into dist/ (API ${apiUrl || 'not set'})`);
