import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DeltaPlan } from './delta.js';
import { manifestDigest, scannedContent, serializeManifest, type FileManifest } from './manifest.js';
import { RECORD_DIGEST, RECORD_INFO, RECORD_MANIFEST } from './remote-scripts.js';
import { tarChunks, type TarEntry } from './tar-writer.js';

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

/** The release's own tree: directories, symlinks, hard links to reused files, new files' contents. */
function* treeEntries(options: ReleaseStreamOptions, reused: Map<string, string>, now: number): Generator<TarEntry> {
  yield { type: 'dir', name: options.releaseDir, mode: 0o755, mtime: now };
  for (const entry of options.manifest.entries) {
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

export interface ReleaseStream {
  stream: Readable;
  /** Compressed bytes handed to the connection so far (what crosses the wire, before SSH framing). */
  sentBytes(): number;
}

export function releaseStream(options: ReleaseStreamOptions): ReleaseStream {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      done(null, chunk);
    },
  });
  const gzip = createGzip({ level: options.gzipLevel ?? 6, chunkSize: 256 * 1024 });
  const tar = Readable.from(tarChunks(releaseEntries(options)), { objectMode: false });
  tar.on('error', (error) => gzip.destroy(error));
  gzip.on('error', (error) => counter.destroy(error));
  tar.pipe(gzip).pipe(counter);
  return { stream: counter, sentBytes: () => sent };
}
