import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { promisify } from 'node:util';
import { deflateRawSync, gzip } from 'node:zlib';
import type { DeltaPlan } from './delta.js';
import {
  manifestDigest,
  scannedContent,
  serializeManifest,
  type FileManifest,
  type ManifestEntry,
} from './manifest.js';
import { RECORD_DIGEST, RECORD_INFO, RECORD_MANIFEST } from './remote-scripts.js';
import { tarChunks, type TarEntry } from './tar-writer.js';

/** What goes into the release archive and where its members land on the host. */
export interface ReleaseStreamOptions {
  sourceRoot: string;
  manifest: FileManifest;
  plan: DeltaPlan;
  /** Where the archive's members land, relative to the deploy target (the partial release directory). */
  releaseDir: string;
  /** Where the release's records land, relative to the deploy target: outside the served tree. */
  recordsDir: string;
  /** The kept release's directory relative to the target, which reused files are hard-linked from. */
  reuseDir?: string;
  /**
   * A kept release (id) whose manifest is this build's and whose files are all as built: the host
   * clones it whole (see UPLOAD_SCRIPT), so the archive carries only the new release's record.
   */
  cloneFrom?: string;
  releaseInfo: object;
  gzipLevel?: number;
}

/**
 * The whole new release as one archive: directories, symlinks, hard links to unchanged files
 * of the live release (tar's own link entries: the remote tar makes every link in one process,
 * no per-file command) and the contents of new or changed files, then the release's records in
 * their own directory beside the release (never in what nginx serves).
 */
function* releaseEntries(options: ReleaseStreamOptions): Generator<TarEntry> {
  const now = Math.floor(Date.now() / 1000);
  const reused = new Map<string, string>();
  for (const item of options.plan.reuse) {
    const dir = item.fromDir ?? options.reuseDir;
    if (dir !== undefined) reused.set(item.entry.path, `${dir}/${item.from}`);
  }
  if (options.cloneFrom === undefined) yield* treeEntries(options, reused, now);
  const records: Array<[string, string]> =
    options.cloneFrom === undefined
      ? [
          [RECORD_MANIFEST, serializeManifest(options.manifest)],
          [RECORD_DIGEST, manifestDigest(options.manifest)],
        ]
      : [];
  records.push([RECORD_INFO, JSON.stringify(options.releaseInfo, null, 2) + '\n']);
  yield { type: 'dir', name: options.recordsDir, mode: 0o755, mtime: now };
  for (const [file, text] of records) {
    yield { type: 'data', name: `${options.recordsDir}/${file}`, mode: 0o644, mtime: now, data: Buffer.from(text) };
  }
}

/** New files at least this large (bytes) go first in the archive: see treeEntries. */
const LARGE_FILE_BYTES = 1024 * 1024;

/**
 * The release's own tree: directories, symlinks, hard links to reused files, new files' contents.
 * Directories come first, then new files of LARGE_FILE_BYTES and more, then the rest, each in
 * manifest order. Large files are mostly media that is stored, not compressed: while the link
 * carries them, the compressor runs ahead on the many small text files (see RUN_AHEAD_BYTES), so
 * neither the link nor the cores wait for the other. Tar does not need parents before children,
 * and GNU tar sets a directory's mode after extracting what it holds.
 */
function* treeEntries(options: ReleaseStreamOptions, reused: Map<string, string>, now: number): Generator<TarEntry> {
  yield { type: 'dir', name: options.releaseDir, mode: 0o755, mtime: now };
  const entries = options.manifest.entries;
  const large = (entry: ManifestEntry) =>
    entry.type === 'file' && entry.size >= LARGE_FILE_BYTES && !reused.has(entry.path);
  const ordered = [
    ...entries.filter((entry) => entry.type === 'dir'),
    ...entries.filter(large),
    ...entries.filter((entry) => entry.type !== 'dir' && !large(entry)),
  ];
  for (const entry of ordered) {
    const name = `${options.releaseDir}/${entry.path}`;
    if (entry.type === 'dir') {
      yield { type: 'dir', name, mode: entry.mode, mtime: now };
    } else if (entry.type === 'symlink') {
      yield { type: 'symlink', name, target: entry.target, mtime: now };
    } else {
      const from = reused.get(entry.path);
      if (from !== undefined) {
        yield { type: 'hardlink', name, target: from, mtime: entry.mtime };
      } else {
        yield {
          type: 'file',
          name,
          mode: entry.mode,
          mtime: entry.mtime,
          size: entry.size,
          source: join(options.sourceRoot, entry.path),
          content: scannedContent(options.manifest, entry.path),
        };
      }
    }
  }
}

/** The release archive as a stream for the upload channel, and a count of the bytes it has handed over. */
export interface ReleaseStream {
  stream: Readable;
  /** Compressed bytes handed to the connection so far (what crosses the wire, before SSH framing). */
  sentBytes(): number;
}

/**
 * Builds the release archive lazily (a tar.gz written as the channel reads it), so memory stays
 * bounded whatever the build's size. Members are compressed at `gzipLevel` (6 unless given), and at
 * level 1 only once the upload has shown that it waits for the compressor (see memberLevel).
 */
export function releaseStream(options: ReleaseStreamOptions): ReleaseStream {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      done(null, chunk);
    },
  });
  const members = gzipMembers(tarChunks(releaseEntries(options)), options.gzipLevel ?? 6, () => ({
    takenBytes: sent,
    readyBytes: gzip.readableLength,
  }));
  const gzip: Readable = Readable.from(members, { objectMode: false, highWaterMark: RUN_AHEAD_BYTES });
  gzip.on('error', (error) => counter.destroy(error));
  gzip.pipe(counter);
  return { stream: counter, sentBytes: () => sent };
}

const gzipAsync = promisify(gzip);

/** Bytes of the archive compressed as one gzip member: large enough that restarting the dictionary costs nothing measurable. */
const MEMBER_BYTES = 1024 * 1024;
/**
 * Compressed bytes the archive may hold ready beyond what the connection has taken: the compressor
 * keeps both cores busy while the link is the bottleneck (large stored media), and the link then
 * never waits for it on the parts that compress slowly (text). Bounds the archive's memory.
 */
const RUN_AHEAD_BYTES = 32 * 1024 * 1024;
/**
 * Compressed bytes the upload must have taken before its pace counts: until then every member gets
 * the configured level, so an archive smaller than this is compressed as well as that level can,
 * whatever the link, and the first members (taken at once by any link) say nothing about it.
 */
const PACE_KNOWN_AFTER_BYTES = 8 * 1024 * 1024;
/** Members being compressed at once: one per core of a 2-core runner, and one ready to send. */
const MEMBERS_IN_FLIGHT = 3;
/**
 * Compressed bytes waiting for the upload from which the link counts as the bottleneck. Members in
 * flight can finish together and be emitted before the upload takes them, so a link that keeps up
 * may briefly leave up to MEMBERS_IN_FLIGHT members waiting; one member more means the link is
 * behind (on a slow link the run-ahead buffer fills up to RUN_AHEAD_BYTES).
 */
const LINK_BUSY_FROM_BYTES = (MEMBERS_IN_FLIGHT + 1) * MEMBER_BYTES;
/**
 * zlib's fastest level: about three times the throughput of level 6, for 5% more bytes on the
 * benchmark's synthetic site and 20% to 30% more on real minified JavaScript.
 */
const FAST_LEVEL = 1;
const SAMPLE_BYTES = 4096;

/**
 * Whether a member is already-compressed data (images, video, fonts, .gz/.br files): four samples
 * that deflate at level 1 shrinks by less than 3%. Such a member is stored (level 0), not
 * compressed again, which costs CPU and gains nothing.
 */
function incompressible(data: Buffer): boolean {
  if (data.length < 4 * SAMPLE_BYTES) return false;
  for (let at = 0; at < 4; at++) {
    const start = Math.floor((at * (data.length - SAMPLE_BYTES)) / 3);
    const sample = data.subarray(start, start + SAMPLE_BYTES);
    if (deflateRawSync(sample, { level: 1 }).length < SAMPLE_BYTES * 0.97) return false;
  }
  return true;
}

/** What the upload has done so far (bytes): taken from the archive, and emitted but not yet taken. */
export interface UploadPace {
  takenBytes: number;
  readyBytes: number;
}

/**
 * The gzip level of the next member: 0 for already-compressed data; the configured `level` until
 * the upload has taken PACE_KNOWN_AFTER_BYTES, and afterwards while LINK_BUSY_FROM_BYTES or more of
 * compressed data wait for it (the link is the bottleneck); FAST_LEVEL while less does (the link
 * waits for the compressor), so a fast link (a LAN, loopback) is not held to level 6's pace. Like
 * zstd's `--adapt`.
 */
export function memberLevel(data: Buffer, level: number, pace: UploadPace): number {
  if (incompressible(data)) return 0;
  if (pace.takenBytes < PACE_KNOWN_AFTER_BYTES || pace.readyBytes >= LINK_BUSY_FROM_BYTES) return level;
  return Math.min(level, FAST_LEVEL);
}

/**
 * The archive as a series of gzip members of about MEMBER_BYTES each, several compressed at once on
 * zlib's thread pool, emitted in order: a concatenation of gzip members is one valid gzip stream
 * (RFC 1952, section 2.2; GNU gzip and so \`tar -xz\` read it whole), and unlike one zlib stream it
 * keeps both cores of a runner busy while the connection sends. Each member's level follows the
 * upload's pace (see memberLevel), which `pace()` reads: bytes taken by the upload stream, and bytes
 * emitted here and not yet taken. Written here because no maintained npm package does parallel gzip
 * on Node's own zlib without a native build (pigz is a program).
 */
async function* gzipMembers(
  chunks: AsyncIterable<Buffer>,
  level: number,
  pace: () => UploadPace,
): AsyncGenerator<Buffer> {
  const queue: Array<Promise<Buffer>> = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const compress = (): void => {
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    const member = gzipAsync(data, { level: memberLevel(data, level, pace()), chunkSize: 256 * 1024 });
    // Awaited in order below; this only keeps a failure from being reported as unhandled meanwhile.
    member.catch(() => undefined);
    queue.push(member);
  };
  for await (const chunk of chunks) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= MEMBER_BYTES) compress();
    while (queue.length >= MEMBERS_IN_FLIGHT) yield await queue.shift()!;
  }
  if (pendingBytes > 0) compress();
  while (queue.length > 0) yield await queue.shift()!;
}
