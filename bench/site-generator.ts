import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A deterministic synthetic frontend build: the same seed gives byte-identical trees, so every
 * tool in a benchmark run (and every run) moves the same data. Shape of a real SPA build: many
 * small text files (HTML, JS chunks, CSS, JSON, SVG), some mid-size assets, a few large ones
 * (source maps, a video, images that do not compress).
 */
export interface SiteSpec {
  files: number;
  /** Large files among them, sized so the whole tree lands near `totalBytes`. */
  largeFiles: number;
  totalBytes: number;
  seed: number;
}

export const DEFAULT_SITE: SiteSpec = { files: 3000, largeFiles: 6, totalBytes: 45 * 1024 * 1024, seed: 20261123 };

/** xorshift32: tiny, fast and the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const WORDS = [
  'const',
  'function',
  'return',
  'import',
  'export',
  'sophia',
  'agent',
  'render',
  'props',
  'state',
  'useEffect',
  'div',
  'class',
  'await',
  'async',
  'module',
  'chunk',
  'webpack',
  'vite',
  'react',
];

/** Text that compresses like minified code does (about 3-4x with gzip). */
function textContent(next: () => number, size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const word = WORDS[next() % WORDS.length];
    const token = next() % 3 === 0 ? `${word}${(next() % 100000).toString(36)}` : word;
    parts.push(token);
    length += token.length + 1;
  }
  return Buffer.from(parts.join(next() % 2 ? ' ' : ';').slice(0, size));
}

/** Bytes that do not compress (images, video, fonts). */
function binaryContent(next: () => number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  for (let offset = 0; offset + 4 <= size; offset += 4) buffer.writeUInt32LE(next(), offset);
  for (let offset = size - (size % 4); offset < size; offset++) buffer[offset] = next() & 0xff;
  return buffer;
}

export interface GeneratedFile {
  path: string;
  size: number;
  binary: boolean;
}

/** The file list alone (paths, sizes, kinds), so a change can be planned without writing. */
export function planSite(spec: SiteSpec = DEFAULT_SITE): GeneratedFile[] {
  const next = random(spec.seed);
  const files: GeneratedFile[] = [];
  const largeBytes = Math.floor(spec.totalBytes * 0.6);
  for (let index = 0; index < spec.largeFiles; index++) {
    const binary = index % 3 !== 2;
    const ext = binary ? (index % 2 ? 'mp4' : 'webp') : 'js.map';
    files.push({ path: `static/media/large-${index}.${ext}`, size: Math.floor(largeBytes / spec.largeFiles), binary });
  }
  const small = spec.files - spec.largeFiles;
  const smallBytes = spec.totalBytes - largeBytes;
  const kinds = [
    ['static/js', 'js', false],
    ['static/css', 'css', false],
    ['assets/img', 'png', true],
    ['locales', 'json', false],
    ['icons', 'svg', false],
    ['pages', 'html', false],
  ] as const;
  let planned = 0;
  for (let index = 0; index < small; index++) {
    const [dir, ext, binary] = kinds[next() % kinds.length];
    const remaining = small - index;
    const average = (smallBytes - planned) / remaining;
    const size = Math.max(0, Math.floor(average * (0.25 + (next() % 1500) / 1000)));
    planned += size;
    files.push({ path: `${dir}/${Math.floor(index / 200)}/file-${index}.${ext}`, size, binary });
  }
  files.push({ path: 'index.html', size: 2048, binary: false });
  files.pop();
  return files;
}

export function writeSite(root: string, spec: SiteSpec = DEFAULT_SITE): GeneratedFile[] {
  rmSync(root, { recursive: true, force: true });
  const files = planSite(spec);
  const next = random(spec.seed ^ 0x5eed);
  for (const file of files) {
    mkdirSync(dirname(join(root, file.path)), { recursive: true });
    writeFileSync(join(root, file.path), file.binary ? binaryContent(next, file.size) : textContent(next, file.size));
  }
  return files;
}

/** Rewrites `fraction` of the files (small ones, as a typical commit touches code, not media), deterministically. */
export function changeSite(root: string, files: GeneratedFile[], fraction: number, round: number): string[] {
  const next = random(0xc0ffee + round);
  const candidates = files.filter((file) => file.size < 1024 * 1024);
  const count = Math.max(1, Math.round(files.length * fraction));
  const changed = new Set<string>();
  while (changed.size < count) changed.add(candidates[next() % candidates.length].path);
  for (const path of changed) {
    const file = files.find((candidate) => candidate.path === path)!;
    writeFileSync(join(root, path), file.binary ? binaryContent(next, file.size) : textContent(next, file.size));
  }
  return [...changed];
}
