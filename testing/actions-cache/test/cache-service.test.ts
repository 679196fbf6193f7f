/**
 * The real @actions/cache (v2 service: Twirp, then the Azure SDK on the signed URLs) saves and
 * restores through the stand-in, and gets the answers GitHub's service gives for an existing key,
 * a missing one and a failing service.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as cache from '@actions/cache';
import { startCacheService, type CacheService } from '../src/index.js';

let service: CacheService;
let scratch: string;
const saved = { ...process.env };

beforeAll(async () => {
  service = await startCacheService();
  scratch = mkdtempSync(path.join(tmpdir(), 'cache-service-'));
  mkdirSync(path.join(scratch, 'temp'));
  Object.assign(process.env, service.env(), {
    GITHUB_WORKSPACE: scratch,
    RUNNER_TEMP: path.join(scratch, 'temp'),
    GITHUB_SERVER_URL: 'https://github.com',
  });
});

afterAll(async () => {
  process.env = saved;
  await service.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('an entry saved under a key is restored by that key and by a prefix, and cannot be saved again', async () => {
  const file = path.join(scratch, 'kept', 'data.json');
  mkdirSync(path.dirname(file));
  writeFileSync(file, '{"first":true}');
  expect(await cache.saveCache([file], 'data-v1-a')).toBeGreaterThan(0);
  writeFileSync(file, '{"second":true}');
  expect(await cache.saveCache([file], 'data-v1-b')).toBeGreaterThan(0);
  // Immutable: the same key again is refused (the client reports it and returns -1).
  expect(await cache.saveCache([file], 'data-v1-b')).toBe(-1);

  rmSync(file);
  expect(await cache.restoreCache([file], 'data-v1-a')).toBe('data-v1-a');
  expect(readFileSync(file, 'utf8')).toBe('{"first":true}');
  expect(await cache.restoreCache([file], 'data-v1-none', ['data-v1-'])).toBe('data-v1-b');
  expect(readFileSync(file, 'utf8')).toBe('{"second":true}');
  expect(await cache.restoreCache([file], 'other-')).toBeUndefined();
  // Another path list is another version: no entry.
  expect(await cache.restoreCache([file, path.join(scratch, 'x')], 'data-v1-a')).toBeUndefined();
  expect(service.calls.map((call) => call.method)).toContain('FinalizeCacheEntryUpload');
  expect(service.calls.every((call) => call.token === service.token)).toBe(true);
});

test('a failing service is a miss on restore and no entry on save, never a throw', async () => {
  const file = path.join(scratch, 'kept', 'data.json');
  service.failWith(400);
  try {
    expect(await cache.restoreCache([file], 'data-v1-a')).toBeUndefined();
    expect(await cache.saveCache([file], 'data-v1-c')).toBe(-1);
  } finally {
    service.failWith(undefined);
  }
});
