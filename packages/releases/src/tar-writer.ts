import { createReadStream, readFileSync } from 'node:fs';

/**
 * A minimal POSIX tar (ustar + PAX extended headers) writer: just what a release needs, so
 * the stream stays byte-for-byte under our control. PAX headers carry every name that ustar
 * cannot (long, non-ASCII, newlines), which GNU and busybox tar both read.
 */
const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const SMALL_READ = 1024 * 1024;

/**
 * One member of a ustar archive: a file read from `source` (or given as `content`), in-memory `data`, a directory, a
 * symlink, or a hard link to an earlier member. `mode` is the permission bits; `mtime` is seconds since the epoch, as
 * tar stores it.
 */
export type TarEntry =
  | { type: 'file'; name: string; mode: number; mtime: number; size: number; source: string; content?: Buffer }
  | { type: 'data'; name: string; mode: number; mtime: number; data: Buffer }
  | { type: 'dir'; name: string; mode: number; mtime: number }
  | { type: 'symlink'; name: string; target: string; mtime: number }
  | { type: 'hardlink'; name: string; target: string; mtime: number };

const TYPE_FLAG = { file: '0', data: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

function fitsUstarField(value: string, max: number): boolean {
  // Printable ASCII only: anything else goes through PAX, which is defined as UTF-8.
  return Buffer.byteLength(value) <= max && /^[\x20-\x7e]*$/.test(value);
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length)
    length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function header(name: string, typeFlag: string, mode: number, size: number, mtime: number, linkName = ''): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, mode & 0o7777, 100, 8);
  writeOctal(block, 0, 108, 8);
  writeOctal(block, 0, 116, 8);
  writeOctal(block, size, 124, 12);
  writeOctal(block, Math.max(0, Math.min(mtime, 0o77777777777)), 136, 12);
  block.write('        ', 148, 8, 'ascii');
  block.write(typeFlag, 156, 1, 'ascii');
  block.write(linkName, 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'ascii');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : ZERO_BLOCK.subarray(0, BLOCK - rest);
}

/** The header block(s) of one entry: a PAX header first when a name, link or size does not fit ustar. */
export function entryHeader(entry: TarEntry): Buffer {
  const size = entry.type === 'file' ? entry.size : entry.type === 'data' ? entry.data.length : 0;
  const name = entry.type === 'dir' ? `${entry.name.replace(/\/$/, '')}/` : entry.name;
  const link = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';
  const mode = entry.type === 'symlink' ? 0o777 : entry.type === 'hardlink' ? 0o644 : entry.mode;
  let records = '';
  if (!fitsUstarField(name, 100)) records += paxRecord('path', name);
  if (!fitsUstarField(link, 100)) records += paxRecord('linkpath', link);
  if (size > 0o77777777777) records += paxRecord('size', String(size));
  const main = header(
    fitsUstarField(name, 100) ? name : 'pax-named-entry',
    TYPE_FLAG[entry.type],
    mode,
    size > 0o77777777777 ? 0 : size,
    entry.mtime,
    fitsUstarField(link, 100) ? link : '',
  );
  if (!records) return main;
  const pax = Buffer.from(records, 'utf8');
  return Buffer.concat([header('PaxHeader', 'x', 0o644, pax.length, entry.mtime), pax, padding(pax.length), main]);
}

/**
 * Yields the archive in chunks of at least `batchBytes` where possible: thousands of tiny
 * headers as thousands of tiny writes would cost more than the data itself.
 */
export async function* tarChunks(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
  batchBytes = 256 * 1024,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): Buffer[] => {
    if (pendingBytes === 0) return [];
    const out = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return [out];
  };
  // Large chunks (file contents) pass through without a copy; small ones are gathered.
  const emit = (chunk: Buffer): Buffer[] => {
    if (chunk.length >= batchBytes) return [...flush(), chunk];
    pending.push(chunk);
    pendingBytes += chunk.length;
    return pendingBytes >= batchBytes ? flush() : [];
  };
  for await (const entry of entries) {
    yield* emit(entryHeader(entry));
    const inMemory = entry.type === 'data' ? entry.data : entry.type === 'file' ? entry.content : undefined;
    if (inMemory) {
      yield* emit(inMemory);
      yield* emit(padding(inMemory.length));
    } else if (entry.type === 'file' && entry.size <= SMALL_READ) {
      // One blocking read beats a stream's several thread-pool round trips for a small file.
      const data = readFileSync(entry.source);
      if (data.length !== entry.size) {
        throw new Error(
          `"${entry.name}" changed size while it was being sent (expected ${entry.size} bytes, read ${data.length})`,
        );
      }
      yield* emit(data);
      yield* emit(padding(entry.size));
    } else if (entry.type === 'file') {
      let read = 0;
      for await (const chunk of createReadStream(entry.source, { highWaterMark: 1 << 20 })) {
        const buffer = chunk as Buffer;
        read += buffer.length;
        if (read > entry.size) break;
        yield* emit(buffer);
      }
      if (read !== entry.size) {
        throw new Error(
          `"${entry.name}" changed size while it was being sent (expected ${entry.size} bytes, read ${read})`,
        );
      }
      yield* emit(padding(entry.size));
    }
  }
  yield* emit(Buffer.alloc(BLOCK * 2));
  yield* flush();
}
