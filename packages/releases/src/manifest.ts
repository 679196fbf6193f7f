import { createHash, webcrypto } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describeValue } from '@sophia/reporting';
import { SourceError } from './errors.js';

/**
 * Where releases built before the records moved out of the served tree kept them (see RECORDS_DIR).
 * A build may not contain them at its top: the next deploy moves these names out of old releases.
 */
export const RELEASE_INFO_FILE = '.release.json';
/** Where releases built before the records moved kept their manifest, at the release's top (see RECORDS_DIR). */
export const RELEASE_MANIFEST_FILE = '.release-manifest.json';
const RESERVED_NAMES = new Set([RELEASE_INFO_FILE, RELEASE_MANIFEST_FILE]);

/**
 * Control characters (C0, DEL, C1), which no name of a web site needs: a name holding one (a line
 * break, a carriage return) reads as two lines or as other text in every log, plan and review
 * that lists it, so a build could show reviewers one thing and serve another.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** A regular file of the build. */
export interface FileEntry {
  type: 'file';
  path: string;
  size: number;
  /** Permission bits only (e.g. 0o644); executable bits are what matters to a web root. */
  mode: number;
  sha256: string;
  mtime: number;
}
/** A directory of the build. */
export interface DirectoryEntry {
  type: 'dir';
  path: string;
  mode: number;
}
/** A symbolic link of the build, kept as a link (its target checked to stay inside the build). */
export interface SymlinkEntry {
  type: 'symlink';
  path: string;
  target: string;
}
/** One entry of a build, by type. */
export type ManifestEntry = FileEntry | DirectoryEntry | SymlinkEntry;

/** Every entry of a build, sorted by path; paths are relative, `/`-separated, never empty. */
export interface FileManifest {
  version: 1;
  entries: ManifestEntry[];
}

/** Files up to this size are read whole while hashing, and kept (within CACHE_BUDGET) for sending. */
const SMALL_FILE = 256 * 1024;
const CACHE_BUDGET = 128 * 1024 * 1024;

/**
 * The bytes of small files as they were hashed, per scanned manifest. Sending these (instead of
 * reading the file again) means the archive holds exactly what the manifest describes, and a
 * site of 50,000 tiny files is read once rather than twice.
 */
const scannedContents = new WeakMap<FileManifest, Map<string, Buffer>>();

/**
 * The content of a small file kept while the build was scanned, or undefined when the file is read again from disk when
 * sent.
 */
export function scannedContent(manifest: FileManifest, path: string): Buffer | undefined {
  return scannedContents.get(manifest)?.get(path);
}

/** The SHA-256 of a file as 64 lower-case hex characters, read in 1 MiB chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The sha256 (hex) of `data`, computed on libuv's thread pool (WebCrypto's digest runs as an
 * asynchronous crypto job), not on the event loop: the scan hashes the whole build while the SSH
 * handshakes run beside it, and hashing tens of megabytes on the event loop held each of their
 * messages back (up to a tenth of a second on a loaded runner) and used one core of several.
 */
async function sha256Off(data: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', data)).toString('hex');
}

/** Files up to this size (bytes) are read whole and hashed off the event loop (see sha256Off); larger ones are streamed. */
const WHOLE_FILE_HASH_BYTES = 32 * 1024 * 1024;
/**
 * Files smaller than this (bytes) are hashed on the event loop: a digest job's own cost (a thread
 * pool hop, a copy, a promise) is about that of hashing a few kilobytes, and a site's many small
 * files would cost more CPU in jobs than they save. Larger ones go to the thread pool (see sha256Off).
 */
const OFF_LOOP_HASH_BYTES = 64 * 1024;
/** Bytes of small files read but not yet hashed (each digest job holds a copy) before the walk waits for the hashing. */
const HASHING_BYTES = 64 * 1024 * 1024;
/** Large files read and hashed at once: bounds the scan's memory to this many WHOLE_FILE_HASH_BYTES. */
const LARGE_FILE_LANES = 2;

/** Sets the hash of each of `files` (paths relative to `root`), LARGE_FILE_LANES at a time. */
async function hashLargeFiles(root: string, files: FileEntry[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++];
      const path = join(root, file.path);
      file.sha256 = file.size <= WHOLE_FILE_HASH_BYTES ? await sha256Off(await readFile(path)) : await sha256File(path);
    }
  };
  await Promise.all(Array.from({ length: Math.min(LARGE_FILE_LANES, files.length) }, lane));
}

/** The most links the kernel follows in one path lookup before ELOOP (Linux's MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

/**
 * Where a symlink of the build finally leads: `inside` at `path` (components, relative to the
 * build's root; it may not exist), `outside` the build, or a `loop`: more than MAX_LINK_HOPS links
 * followed, where the kernel gives up with ELOOP; `links` names each link met, once, in order.
 */
export type LinkResolution =
  { kind: 'inside'; path: string[] } | { kind: 'outside' } | { kind: 'loop'; links: string[] };

/**
 * Where a path inside the build finally leads, resolved as the kernel resolves it on the server:
 * every link met along the way is followed (relative to the directory holding it) and `..` applies
 * to the directory reached so far, not to the text. `links` maps each symlink of the build to its
 * target. The walk leaves the build (an absolute target, `..` above the root) or loops (more than
 * MAX_LINK_HOPS links, Linux's limit): on the server the build's root is the release's directory,
 * and above it are other releases and the host.
 */
export function resolveInBuild(start: string[], target: string, links: Map<string, string>): LinkResolution {
  const dir = [...start];
  const pending = target.split('/');
  if (target.length === 0 || posix.isAbsolute(target)) return { kind: 'outside' };
  const followed: string[] = [];
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (dir.length === 0) return { kind: 'outside' };
      dir.pop();
      continue;
    }
    const link = [...dir, part].join('/');
    const next = links.get(link);
    if (next === undefined) {
      dir.push(part);
      continue;
    }
    followed.push(link);
    if (followed.length > MAX_LINK_HOPS) return { kind: 'loop', links: [...new Set(followed)] };
    if (next.length === 0 || posix.isAbsolute(next)) return { kind: 'outside' };
    pending.unshift(...next.split('/'));
  }
  return { kind: 'inside', path: dir };
}

/**
 * A symlink is kept as a link only when what it finally resolves to, following every other link of
 * the build on the way, stays inside the build: `X -> ../..` and `leak -> X/../etc/hostname` each
 * look harmless alone, and together would publish the server's own files and other releases. A
 * link that never resolves (a loop) is refused as one, naming the links that form it: on the
 * server it would answer every request with an error.
 */
function checkLinksStayInside(links: Map<string, string>): void {
  for (const [path, target] of links) {
    const resolution = resolveInBuild(posix.dirname(path) === '.' ? [] : posix.dirname(path).split('/'), target, links);
    if (resolution.kind === 'inside') continue;
    if (resolution.kind === 'loop') {
      const chain = resolution.links.map((link) => `"${link}" -> "${links.get(link)}"`).join(', ');
      throw new SourceError(
        `Symlink "${path}" is a loop: resolving it follows more than ${MAX_LINK_HOPS} links (as the server's kernel would, before failing with ELOOP) through ${chain}; fix or remove these links`,
      );
    }
    throw new SourceError(
      `Symlink "${path}" points outside the build (to "${target}", followed through the build's other links); only links that resolve inside the source are deployed`,
    );
  }
}

/**
 * How long (milliseconds) the scan reads and hashes before it lets the event loop run: the SSH
 * handshakes run beside the scan (see the deploy action), and each of their messages waits at most this long.
 */
const YIELD_AFTER_MS = 4;

/**
 * Reads the build at `root` into a manifest, hashing every file. The directory's contents are the site,
 * not the directory. Small files are read synchronously: for tens of thousands of tiny files, one
 * blocking read each is several times faster than a round of thread-pool hops. Files from
 * OFF_LOOP_HASH_BYTES up are hashed on the thread pool (see sha256Off), so the hashing uses the
 * runner's other cores while the walk goes on, and the scan yields to the event loop every YIELD_AFTER_MS, so connections made
 * meanwhile progress.
 * Throws SourceError for a root that is not a directory, a reserved name at the top, an entry
 * that is neither file, directory nor symlink, and a name with a control character
 * (CONTROL_CHARACTER), naming the path: before any host is touched.
 */
export async function scanSource(root: string): Promise<FileManifest> {
  let rootStat;
  try {
    rootStat = await lstat(root);
  } catch {
    throw new SourceError(`Input "source" names ${describeValue(root)}, which does not exist`);
  }
  if (!rootStat.isDirectory()) throw new SourceError(`Input "source" must be a directory, but "${root}" is not one`);

  const entries: ManifestEntry[] = [];
  const largeFiles: FileEntry[] = [];
  const contents = new Map<string, Buffer>();
  const links = new Map<string, string>();
  const hashing: Array<{ hashed: Promise<void>; bytes: number }> = [];
  let hashingBytes = 0;
  let settledUpTo = 0;
  let cached = 0;
  let ranSince = performance.now();
  const walk = async (relative: string): Promise<void> => {
    for (const name of readdirSync(relative ? join(root, relative) : root)) {
      if (performance.now() - ranSince > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        ranSince = performance.now();
      }
      const path = relative ? `${relative}/${name}` : name;
      if (CONTROL_CHARACTER.test(name)) {
        throw new SourceError(
          `The source contains ${describeValue(path)}, a name with a control character: rename it (a site's names never need one, and a plan or log could not show it as it is)`,
        );
      }
      if (!relative && RESERVED_NAMES.has(name)) {
        throw new SourceError(`The source contains "${name}", a name the deploy reserves for its own release record`);
      }
      const absolute = join(root, path);
      const stat = lstatSync(absolute);
      if (stat.isDirectory()) {
        entries.push({ type: 'dir', path, mode: stat.mode & 0o7777 });
        await walk(path);
      } else if (stat.isFile()) {
        const file: FileEntry = {
          type: 'file',
          path,
          size: stat.size,
          mode: stat.mode & 0o7777,
          sha256: '',
          mtime: Math.floor(stat.mtimeMs / 1000),
        };
        entries.push(file);
        if (stat.size <= SMALL_FILE) {
          const data = readFileSync(absolute);
          file.size = data.length;
          if (data.length < OFF_LOOP_HASH_BYTES) {
            file.sha256 = createHash('sha256').update(data).digest('hex');
          } else {
            const hashed = sha256Off(data).then((hex) => {
              file.sha256 = hex;
            });
            // Awaited below or after the walk; this only keeps a failure from being reported as unhandled meanwhile.
            hashed.catch(() => undefined);
            hashing.push({ hashed, bytes: data.length });
            hashingBytes += data.length;
            // The walk reads faster than the cores hash: past this, it waits, so pending copies stay bounded.
            while (hashingBytes > HASHING_BYTES) {
              const oldest = hashing[settledUpTo++];
              await oldest.hashed;
              hashingBytes -= oldest.bytes;
            }
          }
          if (cached + data.length <= CACHE_BUDGET) {
            contents.set(path, data);
            cached += data.length;
          }
        } else {
          largeFiles.push(file);
        }
      } else if (stat.isSymbolicLink()) {
        const target = readlinkSync(absolute);
        links.set(path, target);
        entries.push({ type: 'symlink', path, target });
      } else {
        throw new SourceError(`The source contains "${path}", which is neither a file, a directory nor a symlink`);
      }
    }
  };
  await walk('');
  checkLinksStayInside(links);
  if (entries.length === 0)
    throw new SourceError(`Input "source" names ${describeValue(root)}, which is empty: there is nothing to deploy`);
  await Promise.all([...hashing.slice(settledUpTo).map(({ hashed }) => hashed), hashLargeFiles(root, largeFiles)]);
  entries.sort((a, b) => compareBytes(a.path, b.path));
  const manifest: FileManifest = { version: 1, entries };
  scannedContents.set(manifest, contents);
  return manifest;
}

/** Byte order, not locale order: the same tree must give the same manifest everywhere. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The digest of what a manifest says a release serves: sha256 (hex) over every entry's path, type,
 * mode, size and content hash, or link target, in manifest order. Modification times are left out:
 * a fresh checkout of the same commit has new ones and the same site. Two manifests with the same
 * digest describe byte-identical releases, so a host that recorded it can answer "same as this
 * release" in 64 bytes instead of sending its whole manifest back.
 */
export function manifestDigest(manifest: FileManifest): string {
  const known = digests.get(manifest);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  for (const entry of manifest.entries) {
    // NUL never occurs in a path or link target: the fields cannot run into one another.
    const fields =
      entry.type === 'file'
        ? [entry.type, entry.path, entry.mode, entry.size, entry.sha256]
        : entry.type === 'dir'
          ? [entry.type, entry.path, entry.mode]
          : [entry.type, entry.path, entry.target];
    hash.update(fields.join('\0') + '\0\n');
  }
  const digest = hash.digest('hex');
  digests.set(manifest, digest);
  return digest;
}
const digests = new WeakMap<FileManifest, string>();

/** The manifest as compact JSON: the form written into the release's records. */
export function serializeManifest(manifest: FileManifest): string {
  return JSON.stringify(manifest);
}

/**
 * A manifest read back from a host; undefined when the text is not a version 1 manifest (damaged, or written by another
 * tool). Never throws.
 */
export function parseManifest(text: string): FileManifest | undefined {
  try {
    const value = JSON.parse(text) as FileManifest;
    if (value?.version !== 1 || !Array.isArray(value.entries)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** How much a build holds: regular files and their total size in bytes. */
export interface ManifestTotals {
  files: number;
  bytes: number;
}

/** Counts the manifest's regular files and sums their sizes (bytes). */
export function manifestTotals(manifest: FileManifest): ManifestTotals {
  let files = 0;
  let bytes = 0;
  for (const entry of manifest.entries) {
    if (entry.type !== 'file') continue;
    files += 1;
    bytes += entry.size;
  }
  return { files, bytes };
}
