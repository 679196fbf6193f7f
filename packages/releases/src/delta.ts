import { manifestDigest, type FileEntry, type FileManifest } from './manifest.js';
import type { DriftedFile } from './release-host.js';

/** A file of the new release taken from the live one by hard link instead of crossing the wire. */
export interface ReusedFile {
  entry: FileEntry;
  /** Its path in the current release (usually the same path; a renamed file keeps its content). */
  from: string;
  /** The directory (relative to the target) of another kept release it is linked from; undefined: the current release. */
  fromDir?: string;
}

/** Another kept release files may be linked from: its directory relative to the target, and its manifest as found. */
export interface KeptRelease {
  dir: string;
  manifest: FileManifest;
}

/** What the new release sends and what it hard-links from a kept release; byte counts are uncompressed file sizes. */
export interface DeltaPlan {
  upload: FileEntry[];
  reuse: ReusedFile[];
  uploadBytes: number;
  reusedBytes: number;
}

function contentKey(entry: FileEntry): string {
  return `${entry.sha256}:${entry.size}:${entry.mode}`;
}

/**
 * Decides, file by file, what the new release can hard-link from the current one. Hard links share
 * the inode and so the mode: a file counts as unchanged only with the same content AND mode.
 * A file absent from the current release at its path may still be linked from another path with
 * the same content (a rename), but each such source serves one rename only, so no inode collects
 * thousands of links (filesystems cap link counts).
 */
export function planDelta(
  local: FileManifest,
  current: FileManifest | undefined,
  /** Other kept releases, in order of preference, for files the current release does not hold. */
  others: KeptRelease[] = [],
): DeltaPlan {
  const plan: DeltaPlan = { upload: [], reuse: [], uploadBytes: 0, reusedBytes: 0 };
  const byPath = new Map<string, FileEntry>();
  const byContent = new Map<string, string[]>();
  for (const entry of current?.entries ?? []) {
    if (entry.type !== 'file') continue;
    byPath.set(entry.path, entry);
    const key = contentKey(entry);
    const paths = byContent.get(key) ?? [];
    paths.push(entry.path);
    byContent.set(key, paths);
  }
  const localPaths = new Set(local.entries.map((entry) => entry.path));
  const renames: FileEntry[] = [];
  for (const entry of local.entries) {
    if (entry.type !== 'file') continue;
    const old = byPath.get(entry.path);
    if (old && contentKey(old) === contentKey(entry)) {
      plan.reuse.push({ entry, from: entry.path });
      plan.reusedBytes += entry.size;
    } else {
      renames.push(entry);
    }
  }
  // Every path of another release is a spare link: the new release keeps none of them.
  const elsewhere = new Map<string, ReusedFile[]>();
  for (const other of others) {
    for (const entry of other.manifest.entries) {
      if (entry.type !== 'file') continue;
      const key = contentKey(entry);
      elsewhere.set(key, [...(elsewhere.get(key) ?? []), { entry, from: entry.path, fromDir: other.dir }]);
    }
  }
  for (const entry of renames) {
    // Only sources the new release does not keep at their own path: those are spare links.
    const candidates = (byContent.get(contentKey(entry)) ?? []).filter((path) => !localPaths.has(path));
    const from = entry.size > 0 ? candidates.shift() : undefined;
    const other = entry.size > 0 && from === undefined ? elsewhere.get(contentKey(entry))?.shift() : undefined;
    if (from !== undefined) {
      byContent.set(contentKey(entry), candidates);
      plan.reuse.push({ entry, from });
      plan.reusedBytes += entry.size;
    } else if (other !== undefined) {
      plan.reuse.push({ entry, from: other.from, fromDir: other.fromDir });
      plan.reusedBytes += entry.size;
    } else {
      plan.upload.push(entry);
      plan.uploadBytes += entry.size;
    }
  }
  return plan;
}

/** Whether two manifests describe the same release (see manifestDigest: modification times aside). */
export function sameManifest(a: FileManifest | undefined, b: FileManifest | undefined): boolean {
  return a !== undefined && b !== undefined && manifestDigest(a) === manifestDigest(b);
}

/**
 * A release's manifest as its files are now on the server: drifted files (see DriftedFile) carry
 * their content now, removed ones are gone. What a deploy links from, and what a plan compares with.
 */
export function asFoundOnServer(manifest: FileManifest, drift: DriftedFile[]): FileManifest {
  if (drift.length === 0) return manifest;
  const now = new Map(drift.map((file) => [file.path, file.now]));
  const entries = manifest.entries.flatMap((entry) => {
    if (entry.type !== 'file' || !now.has(entry.path)) return [entry];
    const found = now.get(entry.path);
    return found ? [{ ...entry, ...found } satisfies FileEntry] : [];
  });
  return { ...manifest, entries };
}
