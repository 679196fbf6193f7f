import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { scanSource } from '@sophia/releases';
import { join, mkdir, rm, tempDir } from './frontend-helpers.js';

/**
 * The scan hashes a file on the event loop, on the thread pool as read during the walk, read whole
 * afterwards, or streamed, by its size: whichever way, each hash is the one sha256sum(1) computes
 * from the file on disk, and the manifest is the same however the work was spread.
 */
const SIZES: Record<string, number> = {
  'tiny.txt': 0,
  'small.js': 1024,
  'mid.css': 100 * 1024,
  'under-large.json': 256 * 1024,
  'media/large.webp': 3 * 1024 * 1024 + 7,
  'media/huge.mp4': 33 * 1024 * 1024,
};
let work: string;

beforeAll(async () => {
  work = await tempDir('frontend-scan-');
  await mkdir(join(work, 'site/media'), { recursive: true });
  for (const [path, size] of Object.entries(SIZES)) await writeFile(join(work, 'site', path), randomBytes(size));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

test('every file of every size is hashed as sha256sum hashes it', async () => {
  const site = join(work, 'site');
  const manifest = await scanSource(site);
  const files = manifest.entries.filter((entry) => entry.type === 'file');
  expect(files.map((file) => file.path).sort()).toEqual(Object.keys(SIZES).sort());
  for (const file of files) {
    const expected = execFileSync('sha256sum', [join(site, file.path)], { encoding: 'utf8' }).split(' ')[0];
    expect({ path: file.path, size: file.size, sha256: file.sha256 }).toEqual({
      path: file.path,
      size: SIZES[file.path],
      sha256: expected,
    });
  }
  expect(await scanSource(site)).toEqual(manifest);
});
