export const id = 438;
export const ids = [438];
export const modules = {

/***/ 3438:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BEGIN_SCRIPT: () => (/* reexport */ remote_scripts/* BEGIN_SCRIPT */.wH),
  EXIT: () => (/* reexport */ remote_scripts/* EXIT */.dc),
  FINISH_SCRIPT: () => (/* reexport */ remote_scripts/* FINISH_SCRIPT */.Qb),
  FrontendDeployFailedError: () => (/* reexport */ errors/* FrontendDeployFailedError */.l3),
  FrontendRollbackFailedError: () => (/* reexport */ errors/* FrontendRollbackFailedError */.so),
  GatedScript: () => (/* reexport */ release_host/* GatedScript */.ho),
  HEARTBEAT_SCRIPT: () => (/* reexport */ remote_scripts/* HEARTBEAT_SCRIPT */.Xi),
  LIST_SCRIPT: () => (/* reexport */ remote_scripts/* LIST_SCRIPT */.zx),
  NGINX_COMMAND_TIMEOUT_MS: () => (/* reexport */ release_host/* NGINX_COMMAND_TIMEOUT_MS */.CL),
  NGINX_INSTALL_SCRIPT: () => (/* reexport */ remote_scripts/* NGINX_INSTALL_SCRIPT */.ni),
  NGINX_REINSTALL_SCRIPT: () => (/* reexport */ remote_scripts/* NGINX_REINSTALL_SCRIPT */.cy),
  NGINX_RESTORE_SCRIPT: () => (/* reexport */ remote_scripts/* NGINX_RESTORE_SCRIPT */.i0),
  PLAN_PATH_LIMIT: () => (/* reexport */ PLAN_PATH_LIMIT),
  PLAN_SCRIPT: () => (/* reexport */ remote_scripts/* PLAN_SCRIPT */.ie),
  RECORDS_DIR: () => (/* reexport */ remote_scripts/* RECORDS_DIR */.v7),
  RECORD_DIGEST: () => (/* reexport */ remote_scripts/* RECORD_DIGEST */.TX),
  RECORD_INFO: () => (/* reexport */ remote_scripts/* RECORD_INFO */.SU),
  RECORD_MANIFEST: () => (/* reexport */ remote_scripts/* RECORD_MANIFEST */.C_),
  RECORD_NGINX_CONFIG: () => (/* reexport */ remote_scripts/* RECORD_NGINX_CONFIG */._B),
  RECORD_NGINX_CONFIG_PATH: () => (/* reexport */ remote_scripts/* RECORD_NGINX_CONFIG_PATH */.I1),
  RECORD_STAT: () => (/* reexport */ remote_scripts/* RECORD_STAT */.fk),
  RELEASE_DRIFT_SCRIPT: () => (/* reexport */ remote_scripts/* RELEASE_DRIFT_SCRIPT */.me),
  RELEASE_ID_PATTERN: () => (/* reexport */ release_id/* RELEASE_ID_PATTERN */.Z),
  RELEASE_ID_RULE: () => (/* reexport */ release_id/* RELEASE_ID_RULE */.j),
  RELEASE_INFO_FILE: () => (/* reexport */ manifest/* RELEASE_INFO_FILE */._X),
  RELEASE_MANIFEST_FILE: () => (/* reexport */ manifest/* RELEASE_MANIFEST_FILE */.nJ),
  REVERT_SCRIPT: () => (/* reexport */ remote_scripts/* REVERT_SCRIPT */.dp),
  ReleaseHostError: () => (/* reexport */ errors/* ReleaseHostError */.GN),
  ReleaseRollbackRefusedError: () => (/* reexport */ errors/* ReleaseRollbackRefusedError */.w$),
  SWITCH_SCRIPT: () => (/* reexport */ remote_scripts/* SWITCH_SCRIPT */.hQ),
  SourceError: () => (/* reexport */ errors/* SourceError */.c8),
  TargetLock: () => (/* reexport */ release_host/* TargetLock */.rI),
  UPLOAD_SCRIPT: () => (/* reexport */ remote_scripts/* UPLOAD_SCRIPT */.I4),
  WRITE_INFO_SCRIPT: () => (/* reexport */ remote_scripts/* WRITE_INFO_SCRIPT */.nP),
  asFoundOnServer: () => (/* reexport */ asFoundOnServer),
  chooseRelease: () => (/* reexport */ rollback/* chooseRelease */.b),
  completeSwitch: () => (/* reexport */ release_host/* completeSwitch */.k2),
  completeUpload: () => (/* reexport */ release_host/* completeUpload */.dd),
  deployFrontend: () => (/* reexport */ deployFrontend),
  describeDrift: () => (/* reexport */ release_host/* describeDrift */.ZP),
  entryHeader: () => (/* reexport */ entryHeader),
  freeLocksLeftBehind: () => (/* reexport */ abandoned_lock/* freeLocksLeftBehind */.IR),
  frontendPlanBlockers: () => (/* reexport */ frontendPlanBlockers),
  frontendPlanMarkdown: () => (/* reexport */ frontendPlanMarkdown),
  gated: () => (/* reexport */ remote_scripts/* gated */.aH),
  hostPlan: () => (/* reexport */ hostPlan),
  installNginxConfig: () => (/* reexport */ release_host/* installNginxConfig */.U4),
  listReleases: () => (/* reexport */ release_host/* listReleases */.tH),
  lockCleanupMarkdown: () => (/* reexport */ abandoned_lock/* lockCleanupMarkdown */.TW),
  manifestDigest: () => (/* reexport */ manifest/* manifestDigest */.It),
  manifestTotals: () => (/* reexport */ manifest/* manifestTotals */.BB),
  markReleaseFailed: () => (/* reexport */ release_host/* markReleaseFailed */.W2),
  memberLevel: () => (/* reexport */ memberLevel),
  onAnySession: () => (/* reexport */ release_host/* onAnySession */.Kb),
  openSwitch: () => (/* reexport */ release_host/* openSwitch */.$F),
  openUpload: () => (/* reexport */ release_host/* openUpload */.Cg),
  parseManifest: () => (/* reexport */ manifest/* parseManifest */.Ng),
  parseRecords: () => (/* reexport */ remote_scripts/* parseRecords */.Q4),
  parseReleaseInfo: () => (/* reexport */ release_info/* parseReleaseInfo */.TD),
  planDelta: () => (/* reexport */ planDelta),
  planFrontend: () => (/* reexport */ planFrontend),
  putBack: () => (/* reexport */ switch_hosts/* putBack */.p),
  readLiveRelease: () => (/* reexport */ release_host/* readLiveRelease */.qI),
  reinstallNginxConfig: () => (/* reexport */ release_host/* reinstallNginxConfig */.Bh),
  releaseDrift: () => (/* reexport */ release_host/* releaseDrift */.DB),
  releaseIdFromLink: () => (/* reexport */ release_info/* releaseIdFromLink */.Xm),
  releaseLockAnyhow: () => (/* reexport */ release_host/* releaseLockAnyhow */.b7),
  releaseOrigin: () => (/* reexport */ release_info/* releaseOrigin */.Q9),
  releasePath: () => (/* reexport */ remote_scripts/* releasePath */.bD),
  releaseStream: () => (/* reexport */ releaseStream),
  releasesToPrune: () => (/* reexport */ releasesToPrune),
  rememberDeployLock: () => (/* reexport */ abandoned_lock/* rememberDeployLock */.S9),
  renderNginxConfig: () => (/* reexport */ renderNginxConfig),
  renderSiteConfig: () => (/* reexport */ renderSiteConfig),
  resolveInBuild: () => (/* reexport */ manifest/* resolveInBuild */.gh),
  restoreNginxConfig: () => (/* reexport */ release_host/* restoreNginxConfig */.nL),
  revertSwitch: () => (/* reexport */ release_host/* revertSwitch */.zq),
  rollbackFrontend: () => (/* reexport */ rollback/* rollbackFrontend */.F),
  sameManifest: () => (/* reexport */ sameManifest),
  scanSource: () => (/* reexport */ manifest/* scanSource */.bX),
  scannedContent: () => (/* reexport */ manifest/* scannedContent */._8),
  serializeManifest: () => (/* reexport */ manifest/* serializeManifest */.MZ),
  serializeReleaseInfo: () => (/* reexport */ release_info/* serializeReleaseInfo */.mB),
  sha256File: () => (/* reexport */ manifest/* sha256File */.Q3),
  sortReleasesNewestFirst: () => (/* reexport */ release_host/* sortReleasesNewestFirst */.Dz),
  startUpload: () => (/* reexport */ release_host/* startUpload */.aH),
  switchEveryHost: () => (/* reexport */ switch_hosts/* switchEveryHost */.a),
  switchRelease: () => (/* reexport */ release_host/* switchRelease */.U0),
  tarChunks: () => (/* reexport */ tarChunks),
  withReleaseHosts: () => (/* reexport */ release_hosts/* withReleaseHosts */.B),
  writeReleaseInfo: () => (/* reexport */ release_host/* writeReleaseInfo */.jl)
});

// EXTERNAL MODULE: ../../packages/releases/src/manifest.ts
var manifest = __webpack_require__(5794);
;// CONCATENATED MODULE: ../../packages/releases/src/delta.ts

function contentKey(entry) {
    return `${entry.sha256}:${entry.size}:${entry.mode}`;
}
/**
 * Decides, file by file, what the new release can hard-link from the current one. Hard links share
 * the inode and so the mode: a file counts as unchanged only with the same content AND mode.
 * A file absent from the current release at its path may still be linked from another path with
 * the same content (a rename), but each such source serves one rename only, so no inode collects
 * thousands of links (filesystems cap link counts).
 */
function planDelta(local, current, 
/** Other kept releases, in order of preference, for files the current release does not hold. */
others = []) {
    const plan = { upload: [], reuse: [], uploadBytes: 0, reusedBytes: 0 };
    const byPath = new Map();
    const byContent = new Map();
    for (const entry of current?.entries ?? []) {
        if (entry.type !== 'file')
            continue;
        byPath.set(entry.path, entry);
        const key = contentKey(entry);
        const paths = byContent.get(key) ?? [];
        paths.push(entry.path);
        byContent.set(key, paths);
    }
    const localPaths = new Set(local.entries.map((entry) => entry.path));
    const renames = [];
    for (const entry of local.entries) {
        if (entry.type !== 'file')
            continue;
        const old = byPath.get(entry.path);
        if (old && contentKey(old) === contentKey(entry)) {
            plan.reuse.push({ entry, from: entry.path });
            plan.reusedBytes += entry.size;
        }
        else {
            renames.push(entry);
        }
    }
    // Every path of another release is a spare link: the new release keeps none of them.
    const elsewhere = new Map();
    for (const other of others) {
        for (const entry of other.manifest.entries) {
            if (entry.type !== 'file')
                continue;
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
        }
        else if (other !== undefined) {
            plan.reuse.push({ entry, from: other.from, fromDir: other.fromDir });
            plan.reusedBytes += entry.size;
        }
        else {
            plan.upload.push(entry);
            plan.uploadBytes += entry.size;
        }
    }
    return plan;
}
/** Whether two manifests describe the same release (see manifestDigest: modification times aside). */
function sameManifest(a, b) {
    return a !== undefined && b !== undefined && (0,manifest/* manifestDigest */.It)(a) === (0,manifest/* manifestDigest */.It)(b);
}
/**
 * A release's manifest as its files are now on the server: drifted files (see DriftedFile) carry
 * their content now, removed ones are gone. What a deploy links from, and what a plan compares with.
 */
function asFoundOnServer(manifest, drift) {
    if (drift.length === 0)
        return manifest;
    const now = new Map(drift.map((file) => [file.path, file.now]));
    const entries = manifest.entries.flatMap((entry) => {
        if (entry.type !== 'file' || !now.has(entry.path))
            return [entry];
        const found = now.get(entry.path);
        return found ? [{ ...entry, ...found }] : [];
    });
    return { ...manifest, entries };
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ../../packages/releases/src/tar-writer.ts

/**
 * A minimal POSIX tar (ustar + PAX extended headers) writer: just what a release needs, so
 * the stream stays byte-for-byte under our control. PAX headers carry every name that ustar
 * cannot (long, non-ASCII, newlines), which GNU and busybox tar both read.
 */
const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const SMALL_READ = 1024 * 1024;
const TYPE_FLAG = { file: '0', data: '0', hardlink: '1', symlink: '2', dir: '5' };
function fitsUstarField(value, max) {
    // Printable ASCII only: anything else goes through PAX, which is defined as UTF-8.
    return Buffer.byteLength(value) <= max && /^[\x20-\x7e]*$/.test(value);
}
function writeOctal(header, value, offset, length) {
    header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'ascii');
}
function paxRecord(key, value) {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length)
        length = String(length).length + Buffer.byteLength(body);
    return `${length}${body}`;
}
function header(name, typeFlag, mode, size, mtime, linkName = '') {
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
    for (const byte of block)
        sum += byte;
    block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
    return block;
}
function padding(size) {
    const rest = size % BLOCK;
    return rest === 0 ? Buffer.alloc(0) : ZERO_BLOCK.subarray(0, BLOCK - rest);
}
/** The header block(s) of one entry: a PAX header first when a name, link or size does not fit ustar. */
function entryHeader(entry) {
    const size = entry.type === 'file' ? entry.size : entry.type === 'data' ? entry.data.length : 0;
    const name = entry.type === 'dir' ? `${entry.name.replace(/\/$/, '')}/` : entry.name;
    const link = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';
    const mode = entry.type === 'symlink' ? 0o777 : entry.type === 'hardlink' ? 0o644 : entry.mode;
    let records = '';
    if (!fitsUstarField(name, 100))
        records += paxRecord('path', name);
    if (!fitsUstarField(link, 100))
        records += paxRecord('linkpath', link);
    if (size > 0o77777777777)
        records += paxRecord('size', String(size));
    const main = header(fitsUstarField(name, 100) ? name : 'pax-named-entry', TYPE_FLAG[entry.type], mode, size > 0o77777777777 ? 0 : size, entry.mtime, fitsUstarField(link, 100) ? link : '');
    if (!records)
        return main;
    const pax = Buffer.from(records, 'utf8');
    return Buffer.concat([header('PaxHeader', 'x', 0o644, pax.length, entry.mtime), pax, padding(pax.length), main]);
}
/**
 * Yields the archive in chunks of at least `batchBytes` where possible: thousands of tiny
 * headers as thousands of tiny writes would cost more than the data itself.
 */
async function* tarChunks(entries, batchBytes = 256 * 1024) {
    let pending = [];
    let pendingBytes = 0;
    const flush = () => {
        if (pendingBytes === 0)
            return [];
        const out = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        return [out];
    };
    // Large chunks (file contents) pass through without a copy; small ones are gathered.
    const emit = (chunk) => {
        if (chunk.length >= batchBytes)
            return [...flush(), chunk];
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
        }
        else if (entry.type === 'file' && entry.size <= SMALL_READ) {
            // One blocking read beats a stream's several thread-pool round trips for a small file.
            const data = (0,external_node_fs_.readFileSync)(entry.source);
            if (data.length !== entry.size) {
                throw new Error(`"${entry.name}" changed size while it was being sent (expected ${entry.size} bytes, read ${data.length})`);
            }
            yield* emit(data);
            yield* emit(padding(entry.size));
        }
        else if (entry.type === 'file') {
            let read = 0;
            for await (const chunk of (0,external_node_fs_.createReadStream)(entry.source, { highWaterMark: 1 << 20 })) {
                const buffer = chunk;
                read += buffer.length;
                if (read > entry.size)
                    break;
                yield* emit(buffer);
            }
            if (read !== entry.size) {
                throw new Error(`"${entry.name}" changed size while it was being sent (expected ${entry.size} bytes, read ${read})`);
            }
            yield* emit(padding(entry.size));
        }
    }
    yield* emit(Buffer.alloc(BLOCK * 2));
    yield* flush();
}

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
// EXTERNAL MODULE: ../../packages/releases/src/remote-scripts.ts
var remote_scripts = __webpack_require__(8176);
;// CONCATENATED MODULE: ../../packages/releases/src/release-stream.ts







/**
 * The whole new release as one archive: directories, symlinks, hard links to unchanged files
 * of the live release (tar's own link entries: the remote tar makes every link in one process,
 * no per-file command) and the contents of new or changed files, then the release's records in
 * their own directory beside the release (never in what nginx serves).
 */
function* releaseEntries(options) {
    const now = Math.floor(Date.now() / 1000);
    const reused = new Map();
    for (const item of options.plan.reuse) {
        const dir = item.fromDir ?? options.reuseDir;
        if (dir !== undefined)
            reused.set(item.entry.path, `${dir}/${item.from}`);
    }
    if (options.cloneFrom === undefined)
        yield* treeEntries(options, reused, now);
    const records = options.cloneFrom === undefined
        ? [
            [remote_scripts/* RECORD_MANIFEST */.C_, (0,manifest/* serializeManifest */.MZ)(options.manifest)],
            [remote_scripts/* RECORD_DIGEST */.TX, (0,manifest/* manifestDigest */.It)(options.manifest)],
        ]
        : [];
    records.push([remote_scripts/* RECORD_INFO */.SU, JSON.stringify(options.releaseInfo, null, 2) + '\n']);
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
function* treeEntries(options, reused, now) {
    yield { type: 'dir', name: options.releaseDir, mode: 0o755, mtime: now };
    const entries = options.manifest.entries;
    const large = (entry) => entry.type === 'file' && entry.size >= LARGE_FILE_BYTES && !reused.has(entry.path);
    const ordered = [
        ...entries.filter((entry) => entry.type === 'dir'),
        ...entries.filter(large),
        ...entries.filter((entry) => entry.type !== 'dir' && !large(entry)),
    ];
    for (const entry of ordered) {
        const name = `${options.releaseDir}/${entry.path}`;
        if (entry.type === 'dir') {
            yield { type: 'dir', name, mode: entry.mode, mtime: now };
        }
        else if (entry.type === 'symlink') {
            yield { type: 'symlink', name, target: entry.target, mtime: now };
        }
        else {
            const from = reused.get(entry.path);
            if (from !== undefined) {
                yield { type: 'hardlink', name, target: from, mtime: entry.mtime };
            }
            else {
                yield {
                    type: 'file',
                    name,
                    mode: entry.mode,
                    mtime: entry.mtime,
                    size: entry.size,
                    source: (0,external_node_path_.join)(options.sourceRoot, entry.path),
                    content: (0,manifest/* scannedContent */._8)(options.manifest, entry.path),
                };
            }
        }
    }
}
/**
 * Builds the release archive lazily (a tar.gz written as the channel reads it), so memory stays
 * bounded whatever the build's size. Members are compressed at `gzipLevel` (6 unless given), and at
 * level 1 only once the upload has shown that it waits for the compressor (see memberLevel).
 */
function releaseStream(options) {
    let sent = 0;
    const counter = new external_node_stream_.Transform({
        transform(chunk, _encoding, done) {
            sent += chunk.length;
            done(null, chunk);
        },
    });
    const members = gzipMembers(tarChunks(releaseEntries(options)), options.gzipLevel ?? 6, () => ({
        takenBytes: sent,
        readyBytes: gzip.readableLength,
    }));
    const gzip = external_node_stream_.Readable.from(members, { objectMode: false, highWaterMark: RUN_AHEAD_BYTES });
    gzip.on('error', (error) => counter.destroy(error));
    gzip.pipe(counter);
    return { stream: counter, sentBytes: () => sent };
}
const gzipAsync = (0,external_node_util_.promisify)(external_node_zlib_.gzip);
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
function incompressible(data) {
    if (data.length < 4 * SAMPLE_BYTES)
        return false;
    for (let at = 0; at < 4; at++) {
        const start = Math.floor((at * (data.length - SAMPLE_BYTES)) / 3);
        const sample = data.subarray(start, start + SAMPLE_BYTES);
        if ((0,external_node_zlib_.deflateRawSync)(sample, { level: 1 }).length < SAMPLE_BYTES * 0.97)
            return false;
    }
    return true;
}
/**
 * The gzip level of the next member: 0 for already-compressed data; the configured `level` until
 * the upload has taken PACE_KNOWN_AFTER_BYTES, and afterwards while LINK_BUSY_FROM_BYTES or more of
 * compressed data wait for it (the link is the bottleneck); FAST_LEVEL while less does (the link
 * waits for the compressor), so a fast link (a LAN, loopback) is not held to level 6's pace. Like
 * zstd's `--adapt`.
 */
function memberLevel(data, level, pace) {
    if (incompressible(data))
        return 0;
    if (pace.takenBytes < PACE_KNOWN_AFTER_BYTES || pace.readyBytes >= LINK_BUSY_FROM_BYTES)
        return level;
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
async function* gzipMembers(chunks, level, pace) {
    const queue = [];
    let pending = [];
    let pendingBytes = 0;
    const compress = () => {
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
        if (pendingBytes >= MEMBER_BYTES)
            compress();
        while (queue.length >= MEMBERS_IN_FLIGHT)
            yield await queue.shift();
    }
    if (pendingBytes > 0)
        compress();
    while (queue.length > 0)
        yield await queue.shift();
}

// EXTERNAL MODULE: ../../packages/releases/src/release-id.ts
var release_id = __webpack_require__(9894);
// EXTERNAL MODULE: ../../packages/releases/src/release-info.ts
var release_info = __webpack_require__(5699);
// EXTERNAL MODULE: ../../packages/releases/src/release-host.ts
var release_host = __webpack_require__(5021);
;// CONCATENATED MODULE: ../../packages/releases/src/nginx-template.ts
/** Renders `{{name}}` placeholders; an unknown one is an error naming the template, not a silent blank in nginx's config. */
function renderNginxConfig(template, values, templateName = 'nginx-config') {
    return template.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (match, name) => {
        if (name === 'server_name' && values.server_name === undefined) {
            throw new Error(`Input "nginx-config" (${templateName}) uses ${match}, but input "server-names" is empty: give the names the site answers to (e.g. sophia.example www.sophia.example)`);
        }
        if (!Object.hasOwn(values, name)) {
            throw new Error(`Input "nginx-config" (${templateName}) uses the unknown placeholder ${match}; known: ${Object.keys(values)
                .map((key) => `{{${key}}}`)
                .join(', ')}`);
        }
        return values[name];
    });
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: ../../packages/reporting/src/value-description.ts
var value_description = __webpack_require__(3277);
// EXTERNAL MODULE: ../../packages/reporting/src/duration.ts
var duration = __webpack_require__(2559);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
;// CONCATENATED MODULE: ../../packages/health-check/src/probe-errors.ts
/**
 * The one error a probe fails with: a no-answer outcome (refused, timeout, TLS...) the report counts as an error rather
 * than a wrong answer. Never escapes the gate: it becomes a ProbeResult with verdict `error`.
 */
class ProbeError extends Error {
    kind;
    permanent;
    /**
     * @param kind what failed, for the report
     * @param message one line saying what happened and, where we can tell, what to change
     * @param permanent true when retrying cannot help (the URL itself is wrong), so the gate stops at once
     */
    constructor(kind, message, permanent = false) {
        super(message);
        this.kind = kind;
        this.permanent = permanent;
        this.name = 'ProbeError';
    }
}
/**
 * OpenSSL's complaints when the peer answers a TLS ClientHello in plain text: an http:// server
 * reached with https://. Node reports them as EPROTO with the OpenSSL reason in the message.
 */
const PLAIN_TEXT_PEER = /wrong version number|packet length too long|http request|unknown protocol/i;
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;
/**
 * Codes for a certificate the runner does not trust (its issuer is unknown: self-signed, a private
 * CA), as Node reports them from OpenSSL's verify results.
 */
const UNTRUSTED_CERTIFICATE = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/;
/**
 * What a gate user can do about an untrusted certificate: both work in a workflow without touching
 * how the runner starts Node. Node 24 appends its own advice to these errors ("try running Node.js
 * with --use-system-ca"), a flag the runner gives no way to pass; NODE_EXTRA_CA_CERTS is read from
 * the step's environment when Node starts (https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
 */
const UNTRUSTED_CERTIFICATE_HINT = "trust its CA with the step's `env: NODE_EXTRA_CA_CERTS: <path of the CA's PEM file>`, or accept any certificate with input insecure-tls: true";
/** Advice Node appends to TLS errors, addressed to whoever starts Node (`; if the root CA is installed locally, try running Node.js with --use-system-ca`). */
const NODE_ADVICE = /;[^;]*\btry running Node\.js with\b.*$/s;
/**
 * How the toolkit's tunnelling agent (the `tunnel` package) reports a proxy that failed before the
 * tunnel opened: it could not be reached (`cause=<the socket error>`), or it answered CONNECT with
 * something other than 200 (`statusCode=<status>`).
 */
const TUNNEL_FAILED = /tunneling socket could not be established, (?:cause=(.*)|statusCode=(\d+))/;
/**
 * Sorts a socket or TLS error into a ProbeError kind with a one-line message (OpenSSL's text is cut
 * down to its reason). `url` is the URL being probed, to tell a scheme mistake from other TLS failures;
 * `proxy` names the proxy the request went through (see ProbeRoute), so that its failures name it:
 * kind `proxy` when the proxy itself failed, and any other error says it came through the proxy.
 * Text quoted from the error or the URL goes through `redactor` (redacted, then shortened): Node's
 * messages may carry the URL, and a server's TLS alert its own text.
 */
function classifyProbeError(error, redactor, url, proxy) {
    if (error instanceof ProbeError)
        return error;
    if (!proxy)
        return classifyDirect(error, redactor, url);
    const message = typeof error?.message === 'string' ? error.message : String(error);
    const tunnel = TUNNEL_FAILED.exec(message);
    if (tunnel?.[2]) {
        return new ProbeError('proxy', `${proxy} refused to open a tunnel to ${redactor.text(url?.host ?? 'the URL')}: it answered ${tunnel[2]} to CONNECT`);
    }
    if (tunnel?.[1] !== undefined) {
        const cause = tunnel[1];
        const code = /\b(E[A-Z_]{3,})\b/.exec(cause)?.[1];
        return new ProbeError('proxy', `${proxy} failed: ${classifyDirect({ code, message: cause }, redactor).message}`);
    }
    const direct = classifyDirect(error, redactor, url);
    return new ProbeError(direct.kind, `${direct.message} (through ${proxy})`, direct.permanent);
}
function classifyDirect(error, redactor, url) {
    const code = error?.code ?? '';
    // Errors from node's own modules may come from another realm (e.g. under a test VM), so no instanceof Error.
    const message = typeof error?.message === 'string' ? error.message : String(error);
    if (code === 'ECONNREFUSED')
        return new ProbeError('refused', `connection refused (${code})`);
    if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'].includes(code) || /socket hang up/.test(message)) {
        return new ProbeError('reset', `connection reset (${code || message})`);
    }
    if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'].includes(code)) {
        return new ProbeError('dns', `name not resolved (${code})`);
    }
    if (url?.protocol === 'https:' && PLAIN_TEXT_PEER.test(message)) {
        return new ProbeError('tls', `TLS handshake failed: ${redactor.text(url.host)} answered in plain text, not TLS; the URL's scheme looks wrong (try ${redactor.url(`http://${url.host}${url.pathname}`)})`, true);
    }
    if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(message)) {
        // OpenSSL's messages carry a source path and error number ("...:error:0A000086:SSL routines:...:reason:../ssl.c:2091:"): keep the reason.
        const said = message.replace(NODE_ADVICE, '');
        const reason = redactor.text(/:([^:]+):[^:]*\.c:\d+:?$/.exec(said)?.[1] ?? said);
        const hint = UNTRUSTED_CERTIFICATE.test(code) ? `: ${UNTRUSTED_CERTIFICATE_HINT}` : '';
        return new ProbeError('tls', `TLS handshake failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}${hint}`);
    }
    if (['ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(code))
        return new ProbeError('timeout', `timed out (${code})`);
    // Node's messages may carry the URL or host, which can be as long as the user made them.
    const said = redactor.text(message);
    return new ProbeError('other', code && !message.includes(code) ? `${said} (${code})` : said);
}

;// CONCATENATED MODULE: ../../packages/health-check/src/http-probe.ts



/** The largest body kept for matching; health endpoints are small, and a huge page must not fill memory. */
const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Direct connections, no keep-alive. */
function directAgents() {
    const agents = { 'http:': new (external_node_http_default()).Agent({ keepAlive: false }), secure: new (external_node_https_default()).Agent({ keepAlive: false }) };
    const insecure = new (external_node_https_default()).Agent({ keepAlive: false, rejectUnauthorized: false });
    return (url, insecureTls) => ({
        agent: url.protocol !== 'https:' ? agents['http:'] : insecureTls ? insecure : agents.secure,
    });
}
/**
 * The sockets of one gate run. Connections are not kept alive between rounds: every probe opens
 * its own, so a restarted or dead instance shows up at once, and `destroy()` leaves nothing open.
 */
class ProbeTransport {
    insecureTls;
    agentFor;
    agents = new Set();
    inFlight = new Set();
    constructor(insecureTls, agentFor = directAgents()) {
        this.insecureTls = insecureTls;
        this.agentFor = agentFor;
    }
    /** Sends a request on the URL's route; `proxy` names the proxy it goes through, if any. */
    request(url, options) {
        const secure = url.protocol === 'https:';
        const { agent, proxy } = this.agentFor(url, this.insecureTls);
        this.agents.add(agent);
        const request = (secure ? (external_node_https_default()) : (external_node_http_default())).request(url, { ...options, agent });
        this.inFlight.add(request);
        request.once('close', () => this.inFlight.delete(request));
        return { request, proxy };
    }
    /**
     * Aborts every request still in flight (each fails with a ProbeError `other`) and closes the agents' sockets, so the
     * gate's process can exit at once.
     */
    destroy() {
        for (const request of this.inFlight)
            request.destroy(new ProbeError('other', 'health gate finished'));
        this.inFlight.clear();
        for (const agent of this.agents)
            agent.destroy?.();
        this.agents.clear();
    }
}
function sameOrigin(a, b) {
    return a.protocol === b.protocol && a.host === b.host;
}
/**
 * The redirect target `next` with the credentials it may carry: the user's URL userinfo (sent as
 * Basic) when `next` has the origin (scheme, host and port) of the URL the user named, whether the
 * location was relative or absolute; none for any other origin, not even userinfo the location
 * itself names. This is curl's rule without --location-trusted (credentials go only to the original
 * scheme, host and port; since 7.83.0, CVE-2022-27776) and the fetch standard's (HTTP-redirect fetch
 * drops `Authorization` when the redirect leaves the origin).
 */
function withOriginCredentials(next, named) {
    const target = new URL(next.href);
    const same = sameOrigin(target, named);
    target.username = same ? named.username : '';
    target.password = same ? named.password : '';
    return target;
}
/**
 * One hop: sends the request and reads at most MAX_BODY_BYTES of the answer. Settles when `signal`
 * aborts, rejecting with its reason; `limit` names the probe's time limit for messages ("500 ms (request-timeout)").
 */
function exchange(transport, url, method, headers, signal, limit, redactor) {
    return new Promise((resolve, reject) => {
        const { request, proxy } = transport.request(url, { method, headers });
        // Through a proxy, the request gets its socket only once the proxy has answered CONNECT with 200.
        let tunnelled = !proxy;
        request.once('socket', () => {
            tunnelled = true;
        });
        const onAbort = () => {
            settle();
            // The toolkit's tunnelling agent gives the request no socket while CONNECT is pending, so
            // destroying it emits no 'error': the probe settles here, whatever the transport does.
            const reason = signal.reason;
            reject(!tunnelled && reason instanceof ProbeError && reason.kind === 'timeout'
                ? new ProbeError('proxy', `${proxy} did not answer CONNECT within ${limit}`)
                : reason);
            request.destroy(reason);
        };
        const settle = () => signal.removeEventListener('abort', onAbort);
        signal.addEventListener('abort', onAbort, { once: true });
        request.on('error', (error) => {
            settle();
            reject(classifyProbeError(error, redactor, url, proxy));
        });
        request.on('response', (response) => {
            const chunks = [];
            let size = 0;
            const answer = () => {
                settle();
                resolve({
                    status: response.statusCode ?? 0,
                    location: response.headers.location,
                    body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
                });
            };
            response.on('data', (chunk) => {
                chunks.push(chunk);
                size += chunk.length;
                // A body past the limit (or one that never ends) is judged on its first MAX_BODY_BYTES, at once.
                if (size >= MAX_BODY_BYTES) {
                    answer();
                    request.destroy();
                }
            });
            response.on('error', (error) => {
                settle();
                reject(classifyProbeError(error, redactor, url, proxy));
            });
            response.on('end', answer);
        });
        if (signal.aborted)
            onAbort();
        else
            request.end();
    });
}
/**
 * One probe of one URL, following redirects as `followRedirects` allows. Headers go only to the
 * origin of the URL the user named: a redirect to another origin must not carry their tokens along.
 */
async function probeUrl(probe) {
    const controller = new AbortController();
    const limit = `${probe.timeoutMs} ms (${probe.timeoutName})`;
    const timer = setTimeout(() => controller.abort(new ProbeError('timeout', `no answer within ${limit}`)), probe.timeoutMs);
    const redirects = [];
    let url = probe.url;
    let method = probe.method;
    try {
        for (;;) {
            const headers = sameOrigin(url, probe.url) ? Object.fromEntries(probe.headers) : {};
            const hop = await exchange(probe.transport, url, method, headers, controller.signal, limit, probe.redactor);
            const answer = { kind: 'answer', status: hop.status, body: hop.body, finalUrl: url.href, redirects };
            if (!REDIRECT_STATUSES.has(hop.status) || !hop.location || probe.isAnswer(hop.status))
                return answer;
            let next;
            try {
                next = new URL(hop.location, url);
            }
            catch {
                throw new ProbeError('redirect', `redirect to an invalid location ${probe.redactor.quoted(hop.location)}`);
            }
            if (next.protocol !== 'http:' && next.protocol !== 'https:') {
                throw new ProbeError('redirect', `redirect to a non-HTTP location ${probe.redactor.url(next.href)}`);
            }
            if (probe.followRedirects === 'none') {
                return {
                    ...answer,
                    unfollowed: {
                        to: next.href,
                        reason: 'follow-redirects is none; probe the final URL, or opt in with same-origin',
                    },
                };
            }
            if (probe.followRedirects === 'same-origin' && !sameOrigin(next, probe.url)) {
                return {
                    ...answer,
                    unfollowed: {
                        to: next.href,
                        reason: `another origin than ${probe.redactor.text(probe.url.origin)} (follow-redirects is same-origin)`,
                    },
                };
            }
            if (redirects.length >= probe.maxRedirects) {
                throw new ProbeError('redirect', `more than ${probe.maxRedirects} redirects (last to ${probe.redactor.url(next.href)})`);
            }
            next = withOriginCredentials(next, probe.url);
            redirects.push({ status: hop.status, from: url.href, to: next.href });
            // As browsers do: 303 always, and 301/302 after anything but GET/HEAD, continue with GET.
            if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method !== 'GET' && method !== 'HEAD')) {
                method = 'GET';
            }
            url = next;
        }
    }
    catch (error) {
        return { kind: 'error', error: classifyProbeError(error, probe.redactor, url), redirects, finalUrl: url.href };
    }
    finally {
        clearTimeout(timer);
    }
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
// EXTERNAL MODULE: ../../node_modules/.pnpm/@jmespath-community+jmespath@1.3.0/node_modules/@jmespath-community/jmespath/dist/index.mjs
var dist = __webpack_require__(6790);
;// CONCATENATED MODULE: ../../packages/health-check/src/checks.ts

/**
 * Compiles an `expected-json` expression (JMESPath, https://jmespath.org/specification.html).
 * @throws the compiler's own error (its message says where the expression went wrong) when it does not compile;
 *   the input layer turns it into an InputError naming the input.
 */
function checks_compileJsonCheck(expression) {
    const text = expression.trim();
    const compiled = compile(text);
    return { text, evaluate: (document) => TreeInterpreter.search(compiled, document) };
}

;// CONCATENATED MODULE: ../../packages/health-check/src/body-regex.ts





/**
 * The worker side: answers { source, flags, body } with { matched }, and { json, body } (an
 * expected-json expression) with { failure } as jsonCheckFailure gives it; { error } when it cannot;
 * one question at a time. Posts { ready: true } first, once it listens, so that the time a thread
 * takes to start is told apart from the time a match takes.
 */
function serveBodyRegexMatches() {
    if (!parentPort)
        throw new Error('serveBodyRegexMatches() runs in a worker thread only');
    const port = parentPort;
    const compiled = new Map();
    port.on('message', (question) => {
        try {
            if ('json' in question) {
                const failure = jsonCheckFailure(question.body, compileJsonCheck(question.json));
                port.postMessage({ failure });
                return;
            }
            const { source, flags, body } = question;
            const key = `${flags}/${source}`;
            let regex = compiled.get(key);
            if (!regex) {
                regex = RE2JS.compile(source, flags);
                compiled.set(key, regex);
            }
            port.postMessage({ matched: regex.matcher(body).find() });
        }
        catch (error) {
            port.postMessage({ error: error instanceof Error ? error.message : String(error) });
        }
    });
    port.postMessage({ ready: true });
}
/**
 * The largest match, in program instructions times body characters, made on the calling thread: about
 * 20 ms at the ~70 ns per step RE2JS takes here, so a small pattern on a small body needs no thread.
 */
const INLINE_MATCH_STEPS = 250_000;
/**
 * Matches expected-body regexes in worker threads, so the gate's deadline can stop a match. RE2's
 * linear time is linear in the body *and* the pattern: `/[^b]{500}[^a]/` against a 1 MiB body takes
 * about half a minute of CPU, and on the main thread no timer could fire until it ended. A match that
 * outlasts its time limit is ended by terminating its thread, and a fresh thread is started at once
 * for the next round. Each match in flight has a thread of its own (URLs are probed in parallel), and
 * an idle thread is kept for the next round. A thread's start-up is waited for apart from the match's
 * time (see MatchBudget).
 * Worker threads need no native code. The thread's entry is given (see RegexThread) rather than a file
 * beside this one, because ncc copies such a file into the bundle as it is, without its imports.
 */
class BodyRegexMatcher {
    thread;
    idle = [];
    busy = new Set();
    /** Per thread: settles once it can take questions (undefined), or with why it failed to start. */
    started = new WeakMap();
    closed = false;
    constructor(thread) {
        this.thread = thread;
    }
    /**
     * Whether `regex` matches `body`; `stopped` when the match outlasted `budget.ms` milliseconds,
     * `deadline` when `budget.startMs` came first, `unstarted` when no thread had started within
     * `budget.startMs` (see MatchBudget and CheckUnfinished). A match of at
     * most INLINE_MATCH_STEPS is made at once on this thread. Rejects when the thread fails, e.g. on a
     * pattern RE2 cannot compile, which input validation rules out.
     */
    match(regex, body, budget) {
        if (regex.programSize * body.length <= INLINE_MATCH_STEPS) {
            return Promise.resolve(regex.test(body) ? 'matched' : 'not-matched');
        }
        return this.ask({ source: regex.source, flags: regex.flags, body }, budget).then((answer) => typeof answer === 'string' ? answer : answer.matched ? 'matched' : 'not-matched');
    }
    /**
     * Why `body` fails the expected-json `check` (see jsonCheckFailure), undefined when it passes;
     * `stopped`, `deadline` or `unstarted` as for match(). Always on a thread: a JMESPath expression's cost cannot
     * be told from its text (nested `let` and array projections grow exponentially), and on the main
     * thread no deadline or signal could stop it.
     */
    checkJson(check, body, budget) {
        return this.ask({ json: check.text, body }, budget).then((answer) => typeof answer === 'string' ? answer : answer.failure);
    }
    async ask(question, budget) {
        const calledAt = external_node_perf_hooks_.performance.now();
        const worker = this.idle.pop() ?? this.start();
        this.busy.add(worker);
        let timer;
        const start = await Promise.race([
            this.started.get(worker).then((failure) => failure ?? 'ready'),
            new Promise((resolve) => {
                timer = setTimeout(() => resolve('late'), budget.startMs);
            }),
        ]);
        clearTimeout(timer);
        if (start instanceof Error) {
            this.busy.delete(worker);
            void worker.terminate();
            throw start;
        }
        if (start === 'late') {
            // Still starting: kept for the next round, which then need not wait for it from the beginning.
            this.busy.delete(worker);
            this.idle.push(worker);
            return 'unstarted';
        }
        const deadlineMs = budget.startMs - (external_node_perf_hooks_.performance.now() - calledAt);
        // A check cut by the gate's deadline, not by its own limit, has not shown its cost.
        const ranOut = budget.ms < deadlineMs ? 'stopped' : 'deadline';
        const limitMs = Math.max(1, Math.min(budget.ms, deadlineMs));
        return new Promise((resolve, reject) => {
            const finish = () => {
                clearTimeout(timer);
                worker.off('message', onMessage);
                worker.off('error', onError);
                this.busy.delete(worker);
            };
            const onMessage = (answer) => {
                if ('ready' in answer)
                    return;
                finish();
                this.idle.push(worker);
                if (answer.error !== undefined)
                    reject(new Error(answer.error));
                else
                    resolve(answer);
            };
            const onError = (error) => {
                finish();
                void worker.terminate();
                reject(error);
            };
            timer = setTimeout(() => {
                finish();
                // The thread may be deep in a match that would run on for seconds: end it, not just ignore
                // it, and start another now, so that the next round does not wait for a thread to start.
                void worker.terminate();
                this.warm();
                resolve(ranOut);
            }, limitMs);
            worker.on('message', onMessage);
            worker.once('error', onError);
            worker.postMessage(question);
        });
    }
    /**
     * Starts a thread ahead of the first match that needs one, so its start-up overlaps the first round's
     * requests: the action's thread takes about 0.1 s to start.
     */
    warm() {
        if (this.idle.length === 0 && this.busy.size === 0)
            this.idle.push(this.start());
    }
    start() {
        const worker = new external_node_worker_threads_.Worker(this.thread.filename, this.thread.options);
        // An idle thread must not keep the action's process alive should the gate end without close().
        worker.unref();
        this.started.set(worker, new Promise((resolve) => {
            const settle = (failure) => {
                worker.off('message', onMessage);
                worker.off('error', onError);
                worker.off('exit', onExit);
                resolve(failure);
            };
            const onMessage = (message) => {
                if (message?.ready)
                    settle();
            };
            const onError = (error) => settle(error);
            const onExit = (code) => settle(new Error(`the matching thread exited with code ${code} as it started`));
            worker.on('message', onMessage);
            worker.on('error', onError);
            worker.on('exit', onExit);
        }));
        if (this.closed)
            void worker.terminate();
        return worker;
    }
    /**
     * Ends every thread (matches in flight have all settled once the gate has decided). Does not wait for
     * them to exit: they are unreferenced, and a thread still starting up may take a while to go.
     */
    close() {
        this.closed = true;
        for (const worker of [...this.idle.splice(0), ...this.busy])
            void worker.terminate();
        this.busy.clear();
    }
}

;// CONCATENATED MODULE: ../../packages/health-check/src/expectations.ts

/** True when `status` falls in one of the inclusive ranges of the `expected-status` input. */
function statusExpected(status, ranges) {
    return ranges.some((range) => status >= range.from && status <= range.to);
}
/** The ranges as the input writes them (`200-299,301`), shortened like any quoted value, for messages. */
function describeStatusRanges(ranges) {
    return (0,value_description/* shortenValue */.Vx)(ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`)).join(','));
}
/**
 * The failure of `check` (expected-body or expected-json and its value, as messages name them) that
 * did not finish, per `outcome`: `evaluating` names what it was doing to the body ("being matched
 * against"), `cost` says what makes such a check slow and what to do instead.
 */
function unfinishedCheck(check, outcome, body, limit, { evaluating, cost }) {
    if (outcome === 'unstarted') {
        return {
            detail: `${check} was not evaluated: the thread that evaluates it had not started within ${(0,duration/* formatDuration */.a)(limit.startMs)} ` +
                `(what was left of timeout); the runner is overloaded, which says nothing about the check`,
            inconclusive: true,
        };
    }
    const [name, ms] = outcome === 'deadline' ? ['what was left of timeout', limit.startMs] : [limit.name, limit.ms];
    return {
        detail: `${check} was still ${evaluating} the ${Buffer.byteLength(body)}-byte body ` +
            `when ${name} (${(0,duration/* formatDuration */.a)(ms)}) ran out: ${cost}`,
        inconclusive: outcome === 'deadline',
    };
}
/**
 * Why a body fails `matcher`, or undefined when it passes. A regex is matched by `regexes` within
 * `limit` (see MatchLimit); one that runs out of time fails the body with a message saying why,
 * never hangs the gate.
 */
async function bodyMismatch(body, matcher, regexes, limit) {
    if (!matcher)
        return undefined;
    const mismatch = { detail: `body does not ${describeBodyMatcher(matcher)}`, inconclusive: false };
    if (matcher.kind === 'substring')
        return body.includes(matcher.text) ? undefined : mismatch;
    const outcome = await regexes.match(matcher.regex, body, limit);
    if (outcome === 'matched')
        return undefined;
    if (outcome === 'not-matched')
        return mismatch;
    return unfinishedCheck(`expected-body ${(0,value_description/* shortenValue */.Vx)(matcher.regex.text)}`, outcome, body, limit, {
        evaluating: 'being matched against',
        cost: `an RE2 match costs the pattern's size times the body's, ` +
            `so use a shorter pattern (fewer or smaller repetitions such as {500}) or a substring`,
    });
}
/**
 * The expectation as a message continues "body must ...": `contain "ok"` or `match <regex>`, shortened like any quoted
 * value.
 */
function describeBodyMatcher(matcher) {
    return matcher.kind === 'substring'
        ? `contain ${(0,value_description/* describeValue */.bp)(matcher.text)}`
        : `match ${(0,value_description/* shortenValue */.Vx)(matcher.regex.text)}`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/json-check-failure.ts

/** A short one-line excerpt, so a mismatch shows what the server did say (e.g. the stale version). */
function excerpt(body, length = 100) {
    const flat = body.replace(/\s+/g, ' ').trim();
    return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}
/**
 * Why a body fails an `expected-json` check, or undefined when it passes: the body must be JSON and
 * the expression must evaluate to exactly `true` (not merely a truthy value, so that a typo in a
 * field name, which yields null, can never pass).
 */
function json_check_failure_jsonCheckFailure(body, check) {
    let document;
    try {
        document = JSON.parse(body);
    }
    catch {
        return `body is not JSON, so expected-json ${describeValue(check.text)} cannot hold`;
    }
    let result;
    try {
        result = check.evaluate(document);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return `expected-json ${describeValue(check.text)} failed: ${shortenValue(reason)}`;
    }
    if (result === true)
        return undefined;
    return `expected-json ${describeValue(check.text)} is ${excerpt(JSON.stringify(result) ?? 'null', 60)}, not true`;
}

// EXTERNAL MODULE: ../../node_modules/.pnpm/entities@9.0.0/node_modules/entities/dist/decode.js + 3 modules
var decode = __webpack_require__(7127);
;// CONCATENATED MODULE: ../../packages/reporting/src/secret-forms.ts
/**
 * The secrets a value carries (a header's credentials, a URL's userinfo and query values) and the
 * forms in which each can come back in a server's answer or a message. Shared by the input layer, which
 * registers them with the runner's masker, and the health check, which redacts them from its report.
 */
/** Fragments shorter than this are not secrets of their own: masking them would blank ordinary words. */
const MIN_FRAGMENT = 4;
/** An RFC 9110 token68 credential (Bearer, Basic, most custom schemes): one opaque string, `=` padding only at its end. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/**
 * Every secret a header value carries, whatever the header and its scheme: the whole value; after an
 * auth scheme (`Bearer x`, `Token token="x"`, any custom `Scheme x`), the credential; each parameter
 * value of `name=value` / `name="value"` lists, separated by `,` (RFC 9110 section 11 auth-params)
 * or `;` (Cookie, RFC 6265 section 4.2); and, for a base64 `user:password` (Basic), the decoded pair
 * and the password. Shape: strings, longest first, each at least 4 characters: a shorter value (`0`,
 * `2`, `on`) is no credential, and masking it would blank every digit or word it appears in, the
 * report's counts and statuses included.
 */
function headerSecrets(value) {
    const whole = value.trim();
    const secrets = new Set([whole]);
    const scheme = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S.*)$/.exec(whole);
    for (const part of scheme ? [whole, scheme[2].trim()] : [whole]) {
        secrets.add(part);
        if (TOKEN68.test(part)) {
            addBasicPair(part, secrets);
            continue;
        }
        for (const parameter of part.split(/[,;]/)) {
            const at = parameter.indexOf('=');
            const raw = (at >= 0 ? parameter.slice(at + 1) : parameter).trim();
            const unquoted = /^"(.*)"$/s.exec(raw)?.[1].replace(/\\(.)/g, '$1') ?? raw;
            secrets.add(raw);
            secrets.add(unquoted);
        }
    }
    return [...secrets].filter((secret) => secret.length >= MIN_FRAGMENT).sort((a, b) => b.length - a.length);
}
/** A base64 `user:password` (what Basic carries) adds the decoded pair and the password alone. */
function addBasicPair(credential, secrets) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential))
        return;
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Only text decodes to a pair: an opaque token that happens to be valid base64 decodes to binary.
    if (colon < 0 || !/^[\x20-\x7e\x80-\uffff]+$/.test(decoded) || decoded.includes('\ufffd'))
        return;
    secrets.add(decoded);
    secrets.add(decoded.slice(colon + 1));
}
/**
 * The credentials in the userinfo of a URL (`https://user:password@host/`), read from the text as
 * given, so that even a URL that does not parse cannot reveal them: the userinfo as written and
 * percent-decoded, the password alone, and the Basic credential (base64 of `user:password`) that
 * Node sends for it. Empty when the URL has no userinfo.
 */
function urlCredentialSecrets(raw) {
    const decode = (text) => {
        try {
            return decodeURIComponent(text);
        }
        catch {
            return text;
        }
    };
    const secrets = new Set();
    // Two readings: the URL parser's (the authority ends at the first / ? #) and the widest one (up to
    // the last @ of the token), so a password holding an unencoded / ? # is masked whole either way.
    const strict = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s]*)@/.exec(raw)?.[1];
    // The widest reading only when a colon (a password) comes before the first / ? #: an @ later in
    // a plain path (`https://host/a@b`) is no credential.
    const widest = /^\s*[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\s:]*:\S*)@/.exec(raw)?.[1];
    for (const userinfo of new Set([strict, widest])) {
        if (!userinfo)
            continue;
        const colon = userinfo.indexOf(':');
        const user = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
        const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
        const pair = `${decode(user)}:${decode(password)}`;
        for (const secret of [userinfo, decode(userinfo), password, decode(password), pair])
            secrets.add(secret);
        secrets.add(Buffer.from(pair).toString('base64'));
    }
    return [...secrets].filter((secret) => secret.length >= MIN_FRAGMENT).sort((a, b) => b.length - a.length);
}
/**
 * Query values that are clearly no credential: flags and numbers of up to 7 digits (`?verbose=true`,
 * `?limit=50`). A longer number may be one (numeric tokens, PINs, account keys).
 */
const PLAIN_QUERY_VALUE = /^(true|false|\d{1,7})$/i;
/**
 * The values of the query parameters of a URL (`?token=…&sig=…`), and of the parameters its fragment
 * carries (`#access_token=…&state=…`, as an OAuth implicit grant returns them: RFC 6749 section
 * 4.2.2), read from the text as given (the query from the first `?` to a `#` or whitespace, the
 * fragment from that `#` to whitespace) so that a URL that does not parse cannot reveal them either:
 * each value as written and percent-decoded (`+` as a space), and a bare query part without `=`
 * whole (a bare fragment, `#readme`, is an anchor and stays). Every such value of a health URL is
 * taken for a secret (`token`, `access_token`, `key`, `sig` and whatever name a service chose),
 * except those that are clearly not: shorter than 4 characters, `true`/`false`, or a decimal number
 * of up to 7 digits, which masking would blank in ordinary text (statuses, sizes). Parameter names
 * are never secrets: the report keeps `?token=***`.
 */
function urlQuerySecrets(raw) {
    const [, query = '', fragment = ''] = /^[^?#\s]*(?:\?([^#\s]*))?(?:#(\S*))?/.exec(raw.trim()) ?? [];
    const parts = [...query.split('&'), ...fragment.split('&').filter((part) => part.includes('='))];
    const secrets = new Set();
    for (const part of parts) {
        const value = part.includes('=') ? part.slice(part.indexOf('=') + 1) : part;
        for (const form of [value, decodeQueryValue(value)]) {
            if (form.length >= MIN_FRAGMENT && !PLAIN_QUERY_VALUE.test(form))
                secrets.add(form);
        }
    }
    return [...secrets].sort((a, b) => b.length - a.length);
}
function decodeQueryValue(value) {
    try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
    }
    catch {
        return value;
    }
}
/** Every secret a URL carries: its userinfo credentials (urlCredentialSecrets) and query and fragment parameter values (urlQuerySecrets). */
function urlSecrets(raw) {
    return [...new Set([...urlCredentialSecrets(raw), ...urlQuerySecrets(raw)])].sort((a, b) => b.length - a.length);
}
/**
 * The forms in which a secret can come back from a server or be printed: as it is; JSON-escaped;
 * percent-encoded as encodeURIComponent, as the URL parser encodes a path, a query and a fragment,
 * and as a form (space as `+`), each with upper- and lower-case hex digits; its UTF-8 bytes in
 * lower-case hex, bare and separated by `:` or `-`; and base64 and base64url,
 * at each of the three alignments it can take inside a longer encoded text (the characters that
 * depend on its neighbours dropped). The GitHub runner's own masker encodes registered secrets
 * likewise (base64 at three offsets, URI and JSON escaping: actions/runner SecretMasker value
 * encoders); doing it here covers the job summary and outputs, which the runner does not mask.
 */
function secretForms(secret) {
    // A value shorter than 4 characters (`on`, `1`) is no secret: masking it would blank ordinary text.
    if (secret.length < MIN_FRAGMENT)
        return [];
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
    const encoded = [
        encodeURIComponent(secret),
        new URL(`http://h/${secret.replace(/[?#]/g, encodeURIComponent)}`).pathname.slice(1),
        new URL(`http://h/?${secret.replace(/#/g, '%23')}`).search.slice(1),
        new URL(`http://h/#${secret}`).hash.slice(1),
        new URLSearchParams({ s: secret }).toString().slice(2),
    ];
    for (const form of encoded) {
        forms.add(form);
        forms.add(form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
    }
    const bytes = Buffer.from(secret, 'utf8');
    const hex = bytes.toString('hex');
    forms.add(hex);
    // Hex bytes as fingerprints and dumps separate them (`5a:71:39`, `5a-71-39`).
    for (const separator of [':', '-'])
        forms.add(hex.replace(/..(?!$)/g, `$&${separator}`));
    for (const offset of [0, 1, 2]) {
        const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
        const base64 = padded.toString('base64');
        // Characters 0..ceil(offset*4/3) mix in the padding bytes, and the last group may mix in what follows.
        const from = Math.ceil((offset * 4) / 3);
        const to = Math.floor((padded.length * 4) / 3);
        const core = offset === 0 && padded.length % 3 === 0 ? base64 : base64.slice(from, to);
        if (core.length >= 6) {
            forms.add(core);
            forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
        }
    }
    // Standing alone, its last group is whole: with padding, and without it as base64url leaves it.
    if (bytes.length % 3 !== 0) {
        forms.add(bytes.toString('base64'));
        forms.add(bytes.toString('base64url'));
    }
    return [...forms].filter((form) => form.length > 0);
}

;// CONCATENATED MODULE: ../../packages/health-check/src/redaction.ts



/** A secret folded shorter than this is replaced only where it appears as it is (see Redactor). */
const MIN_FOLDED = 4;
/**
 * One escape at the start of the text: percent (`%2F`), JSON and JavaScript (`\u002F`, `\u{2F}`,
 * `\x2F`, `\/`), and HTML character references (`&#x2F;`, `&#47;`, `&sol;`, `&amp;`, also without
 * their `;` where HTML allows it).
 */
const ESCAPE = /%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\u\{[0-9A-Fa-f]{1,6}\}|\\x[0-9A-Fa-f]{2}|\\[^ux]|&(?:#[xX][0-9A-Fa-f]{1,6};?|#\d{1,7};?|[A-Za-z][A-Za-z0-9]{1,31};?)/y;
/** What JSON and JavaScript escapes of one character stand for (`\n` is whitespace, dropped anyway). */
const SIMPLE_ESCAPES = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };
/** What one escape stands for, or undefined when it is not one (`&bogus;`, `\u` before a non-hex). */
function redaction_unescape(escape) {
    if (escape.startsWith('%'))
        return undefined; // percent runs are decoded together, for UTF-8
    if (escape.startsWith('\\u{')) {
        const code = parseInt(escape.slice(3, -1), 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
    }
    if (escape.startsWith('\\u') || escape.startsWith('\\x'))
        return String.fromCharCode(parseInt(escape.slice(2), 16));
    if (escape.startsWith('\\'))
        return SIMPLE_ESCAPES[escape[1]] ?? escape[1];
    const decoded = (0,decode/* decodeHTML */.Gz)(escape);
    return decoded === escape ? undefined : decoded;
}
/** A run of percent escapes decoded as UTF-8, or undefined when it is not UTF-8. */
function decodeUtf8(escapes) {
    try {
        return decodeURIComponent(escapes);
    }
    catch {
        return undefined;
    }
}
/**
 * The ASCII characters folding drops, by code: whitespace (as `\s`), `+` (a space in a form) and the
 * control characters (U+0000 to U+001F, U+007F), which a server can slip between a secret's letters.
 */
const DROPPED_ASCII = Uint8Array.from({ length: 0x80 }, (_, code) => Number(code < 0x21 || code === 0x2b || code === 0x7f));
/** Characters that show nothing: Unicode general categories Cf (format: U+200B, U+00AD, U+FEFF) and Cc (control). */
const INVISIBLE = /^[\p{Cf}\p{Cc}]$/u;
/** What each non-ASCII character folds to, once worked out: a body repeats few distinct characters. */
const FOLDED_CHARACTERS = new Map();
/**
 * What one non-ASCII character (a code point) folds to: nothing when it shows nothing (see
 * INVISIBLE) or is whitespace; its compatibility form (NFKC: a fullwidth `Ｚ` is `Z`), so neither
 * hides a secret; letters in lower case where that keeps the length, so each unit keeps its span.
 */
function foldCharacter(char) {
    let folded = FOLDED_CHARACTERS.get(char);
    if (folded === undefined) {
        folded = '';
        if (!INVISIBLE.test(char)) {
            for (const part of char.normalize('NFKC')) {
                if (/\s/.test(part) || part === '+' || INVISIBLE.test(part))
                    continue;
                const lower = part.toLowerCase();
                folded += lower.length === part.length ? lower : part;
            }
        }
        // Bounded: a hostile body of ever new characters must not grow it without end.
        if (FOLDED_CHARACTERS.size < 65_536)
            FOLDED_CHARACTERS.set(char, folded);
    }
    return folded;
}
/**
 * One folding pass over `text` (see Redactor for the rule). A run of percent escapes is decoded as
 * UTF-8 where it is, each character then standing for the whole run; else byte by byte. Written for
 * speed (a body may be a MiB): plain ASCII, most of any body, takes no regex and no allocation.
 */
function foldOnce(text) {
    // Escapes shorten text, but a compatibility form may lengthen it (NFKC: `ﬁ` is `fi`): room grows on demand.
    let units = new Uint16Array(text.length + 16);
    let from = new Int32Array(units.length);
    let to = new Int32Array(units.length);
    let length = 0;
    const push = (unit, start, end) => {
        if (length === units.length) {
            const size = units.length * 2;
            units = Uint16Array.from({ length: size }, (_, index) => units[index] ?? 0);
            from = Int32Array.from({ length: size }, (_, index) => from[index] ?? 0);
            to = Int32Array.from({ length: size }, (_, index) => to[index] ?? 0);
        }
        units[length] = unit;
        from[length] = start;
        to[length] = end;
        length += 1;
    };
    const emit = (decoded, start, end) => {
        for (const char of decoded) {
            const code = char.charCodeAt(0);
            if (code < 0x80) {
                if (!DROPPED_ASCII[code])
                    push(code >= 0x41 && code <= 0x5a ? code + 32 : code, start, end);
                continue;
            }
            const shown = foldCharacter(char);
            for (let unit = 0; unit < shown.length; unit += 1)
                push(shown.charCodeAt(unit), start, end);
        }
    };
    let at = 0;
    while (at < text.length) {
        const code = text.charCodeAt(at);
        const escapeStart = code === 0x25 || code === 0x5c || code === 0x26; // % \ &
        if (code < 0x80 && !escapeStart) {
            if (!DROPPED_ASCII[code])
                push(code >= 0x41 && code <= 0x5a ? code + 32 : code, at, at + 1);
            at += 1;
            continue;
        }
        ESCAPE.lastIndex = at;
        const escape = escapeStart ? ESCAPE.exec(text)?.[0] : undefined;
        if (escape?.startsWith('%')) {
            const run = /(?:%[0-9A-Fa-f]{2})+/y;
            run.lastIndex = at;
            const escapes = run.exec(text)[0];
            const whole = /^(?:%[0-7][0-9A-Fa-f])+$/.test(escapes) ? undefined : decodeUtf8(escapes);
            if (whole !== undefined)
                emit(whole, at, at + escapes.length);
            else {
                for (let byte = 0; byte < escapes.length; byte += 3) {
                    emit(String.fromCharCode(parseInt(escapes.slice(byte + 1, byte + 3), 16)), at + byte, at + byte + 3);
                }
            }
            at += escapes.length;
            continue;
        }
        const decoded = escape === undefined ? undefined : redaction_unescape(escape);
        if (escape !== undefined && decoded !== undefined) {
            emit(decoded, at, at + escape.length);
            at += escape.length;
            continue;
        }
        // A non-ASCII character, or an escape character that starts no escape; a surrogate pair stays whole.
        const width = code >= 0xd800 && code <= 0xdbff && at + 1 < text.length ? 2 : 1;
        emit(text.slice(at, at + width), at, at + width);
        at += width;
    }
    return {
        text: new TextDecoder('utf-16le').decode(units.subarray(0, length)),
        from: from.subarray(0, length),
        to: to.subarray(0, length),
    };
}
/** How many times text is folded at most: an escape inside an escape inside an escape (`&amp;#37;2F`) is decoded. */
const FOLD_PASSES = 3;
/** `text` folded until no escape is left to decode, at most FOLD_PASSES times, spans kept to the original text. */
function fold(text) {
    let folded = foldOnce(text);
    // Only text still holding an escape character can fold further (most bodies fold once).
    for (let pass = 1; pass < FOLD_PASSES && /[%\\&]/.test(folded.text); pass += 1) {
        const again = foldOnce(folded.text);
        if (again.text === folded.text)
            break;
        const previous = folded;
        folded = {
            text: again.text,
            from: again.from.map((index) => previous.from[index]),
            to: again.to.map((index) => previous.to[index - 1]),
        };
    }
    return folded;
}
/**
 * Replaces every secret the user gave the gate, in every form it can come back in, with `***` in
 * text the gate reports (URLs, body excerpts, redirect locations, error messages), as the runner's
 * log masking does. The runner masks the job log, but a server that echoes a token would otherwise
 * carry it into the job summary and the `report` output, which the runner does not mask.
 *
 * The rule: a server can echo a secret escaped in any of the ways text is escaped, mixed within one
 * string, so rather than list every mix the text is normalised (folded) and compared with the
 * secret folded the same way. Folding decodes percent escapes (either case of hex digits), JSON and
 * JavaScript escapes (`\/`, `\u002f`, `\x2F`), and HTML character references (`&amp;`, `&#x2F;`,
 * `&#47;`, named ones as the `entities` library knows them), twice, so one escape inside another is
 * decoded too; drops whitespace and `+` (a secret wrapped over lines, indented, or form-encoded
 * with spaces as `+`) and characters that show nothing (Unicode categories Cf and Cc: a zero-width
 * space, a soft hyphen, NUL, also when written as an escape such as `&#8203;`); folds compatibility
 * forms as Unicode NFKC does (fullwidth `Ｔｏｋ` is `Tok`); and lower-cases letters (an echo in upper
 * case). A secret's other encodings, which no folding undoes, are compared folded as well: base64
 * and base64url at each alignment, and hex of its bytes, bare or separated (see secretForms). The span of the original text that a match folds from is
 * replaced whole, escapes included. So the percent-decoded form of a header value, `\/` and
 * `\u00XX` escapes, entities, line breaks and case changes, in any mix, are all masked. A secret
 * that folds to fewer than 4 characters (`%41%42` folds to `ab`) is replaced only as it is; a value
 * shorter than 4 characters is no secret at all (see headerSecrets).
 */
class Redactor {
    /** Folded forms of the secrets, longest first. */
    folded;
    /** Secrets too short to fold safely, matched as they are. */
    literal;
    /**
     * `headers`: the request headers as name/value pairs (every value, and each credential inside it,
     * is a secret: see headerSecrets); `urls`: the URLs probed, whose userinfo and query values are
     * secrets (see urlSecrets).
     */
    constructor(headers, urls = []) {
        const forms = [
            ...headers.flatMap(([, value]) => headerSecrets(value)),
            ...urls.flatMap((url) => urlSecrets(url.href)),
        ]
            .filter((secret) => secret.length > 0)
            .flatMap(secretForms);
        const folded = new Set();
        const literal = new Set();
        for (const form of forms) {
            const text = fold(form).text;
            if (text.length >= MIN_FOLDED)
                folded.add(text);
            else
                literal.add(form);
        }
        this.folded = [...folded].sort((a, b) => b.length - a.length);
        this.literal = [...literal].sort((a, b) => b.length - a.length);
    }
    /**
     * `text` with every occurrence of a known secret (in any of its encoded forms) replaced by `***`; secrets long enough
     * to fold (see Redactor) are matched on the folded view of the text, so a changed case or spacing cannot let one
     * through.
     */
    redact(text) {
        let result = text;
        if (this.folded.length > 0) {
            const view = fold(text);
            const spans = [];
            for (const secret of this.folded) {
                for (let at = view.text.indexOf(secret); at >= 0; at = view.text.indexOf(secret, at + 1)) {
                    spans.push([view.from[at], view.to[at + secret.length - 1]]);
                }
            }
            result = replaceSpans(text, spans);
        }
        for (const secret of this.literal)
            result = result.split(secret).join('***');
        return result;
    }
    /**
     * Text from a server or from the user's settings (a Location, a host, a socket error's message) as a
     * message shows it: redacted, then shortened (see shortenValue). The one way a probe message quotes
     * such text: cut first, a token would show its first half, which no longer matches any secret.
     */
    text(raw) {
        return (0,value_description/* shortenValue */.Vx)(this.redact(raw));
    }
    /** As text(), JSON-quoted (see describeValue): for a value that may be empty or hold odd characters. */
    quoted(raw) {
        return (0,value_description/* shortenValue */.Vx)(this.redact(raw), JSON.stringify);
    }
    /**
     * A URL for the report: any userinfo (`user:password@`) replaced by `***@`, then redacted and
     * shortened (see shortenValue), so no cut ends in half a token.
     */
    url(href) {
        let shown = href;
        try {
            const url = new URL(href);
            if (url.username || url.password)
                shown = href.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
        }
        catch {
            // Not a URL: redacted as text below.
        }
        return this.text(shown);
    }
}
/** `text` with each span, overlapping ones merged, replaced by `***`. */
function replaceSpans(text, spans) {
    if (spans.length === 0)
        return text;
    spans.sort((a, b) => a[0] - b[0]);
    let result = '';
    let copied = 0;
    let [start, end] = spans[0];
    for (const [from, to] of [...spans.slice(1), [Infinity, Infinity]]) {
        if (from <= end) {
            end = Math.max(end, to);
            continue;
        }
        result += `${text.slice(copied, start)}***`;
        copied = end;
        [start, end] = [from, to];
    }
    return result + text.slice(copied);
}

;// CONCATENATED MODULE: ../../packages/health-check/src/report.ts
/** Nearest-rank median: a latency some probe really had, not an average of two. */
function median(values) {
    if (values.length === 0)
        return null;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.ceil(sorted.length / 2) - 1];
}
/** The kind of a conclusive failure (see UrlReport.failureKinds); undefined for a pass or an inconclusive probe. */
function failureKindOf(probe) {
    if (probe.verdict === 'pass' || probe.inconclusive)
        return undefined;
    if (probe.verdict === 'error')
        return probe.errorKind ?? 'other';
    if (probe.verdict === 'wrong-body')
        return 'body';
    return `status ${probe.status === undefined ? 'none' : `${Math.floor(probe.status / 100)}xx`}`;
}
/** Accumulates the probes of one URL across rounds. */
class UrlTally {
    latencies = [];
    report;
    /** Whether lastMismatch holds a conclusive mismatch, which no inconclusive one replaces. */
    conclusive = false;
    /** Whether lastError holds a conclusive error, which no inconclusive one (a probe the deadline cut) replaces. */
    conclusiveError = false;
    constructor(url) {
        this.report = {
            url,
            probes: 0,
            passes: 0,
            wrongStatus: 0,
            wrongBody: 0,
            errors: 0,
            failureKinds: {},
            lastStatus: null,
            lastError: null,
            lastErrorKind: null,
            lastMismatch: null,
            latencyMs: { p50: null, max: null },
            redirects: [],
            finalUrl: url,
        };
    }
    /** Counts one probe of this URL; a probe without an answer adds no latency sample. */
    add(probe) {
        const report = this.report;
        report.probes += 1;
        report.redirects = probe.redirects;
        report.finalUrl = probe.finalUrl;
        if (probe.status !== undefined) {
            report.lastStatus = probe.status;
            this.latencies.push(probe.latencyMs);
        }
        if (probe.verdict === 'pass')
            report.passes += 1;
        if (probe.verdict === 'wrong-status')
            report.wrongStatus += 1;
        if (probe.verdict === 'wrong-body')
            report.wrongBody += 1;
        if (probe.verdict === 'wrong-status' || (probe.verdict === 'wrong-body' && !probe.inconclusive)) {
            report.lastMismatch = probe.detail;
            this.conclusive = true;
        }
        else if (probe.verdict === 'wrong-body' && !this.conclusive) {
            report.lastMismatch = probe.detail;
        }
        const kind = failureKindOf(probe);
        if (kind !== undefined)
            report.failureKinds[kind] = (report.failureKinds[kind] ?? 0) + 1;
        if (probe.verdict === 'error') {
            report.errors += 1;
            // A last round started with milliseconds left on a loaded runner must not hide what every whole round said
            // (a TLS failure, a refused connection) behind the deadline that cut it.
            if (!probe.inconclusive || !this.conclusiveError) {
                report.lastError = probe.detail;
                report.lastErrorKind = probe.errorKind ?? 'other';
                this.conclusiveError ||= !probe.inconclusive;
            }
        }
    }
    /**
     * A copy of the counters so far with the latency summary (median and max over the probes that got an answer, in
     * milliseconds).
     */
    snapshot() {
        const max = this.latencies.length ? Math.max(...this.latencies) : null;
        return {
            ...this.report,
            failureKinds: { ...this.report.failureKinds },
            latencyMs: { p50: median(this.latencies), max },
        };
    }
}
/** One log line per probe; header values never appear, and the body only as a short excerpt on a mismatch. */
function describeProbe(probe) {
    const hops = probe.redirects.length
        ? ` via ${probe.redirects.length} redirect(s) to ${probe.redirects.at(-1).to}`
        : '';
    if (probe.verdict === 'pass')
        return `pass  ${probe.url}: ${probe.status} in ${probe.latencyMs} ms${hops}`;
    const label = probe.verdict === 'error' ? `error (${probe.errorKind})` : probe.verdict;
    return `${label}  ${probe.url}: ${probe.detail} (${probe.latencyMs} ms)${hops}`;
}
/** One log line per round: `round 3 at 12.4s: failed (1/2 URLs)`; the time is seconds since the gate started. */
function describeRound(round) {
    const passes = round.probes.filter((probe) => probe.verdict === 'pass').length;
    return `round ${round.round} at ${round.atSeconds.toFixed(1)}s: ${round.passed ? 'passed' : 'failed'} (${passes}/${round.probes.length} URLs)`;
}
/**
 * What is failing, in kind, as entries (`<url> <kind>`, sorted), so that two unhealthy reports can
 * be told apart ("the same outage" or "something else broke"): per unhealthy URL, the URL and the
 * kind it failed with most often among its conclusive failures (UrlReport.failureKinds; ties go
 * to the kind first in alphabetical order), not the latest answer's, which a URL failing 40% of
 * its probes answers with a pass as often as not. A URL is unhealthy when at least as many of its
 * probes failed as passed; one failed probe among passes is noise, not a new outage (when no URL
 * reaches that, every URL with a conclusive failure counts). Probes the gate's deadline cut short,
 * exact codes, the gate's outcome (timeout or flapping), counts, latencies and timings are left
 * out: they differ from run to run of the same outage (a proxy answering 502 then 503, a probe
 * timing out on a loaded runner). Empty for a healthy report, and for one without any conclusive
 * failure.
 */
function failureSignature(report) {
    if (report.healthy)
        return [];
    const failed = report.urls
        .map((url) => {
        const kinds = Object.entries(url.failureKinds).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1));
        return { url, kind: kinds[0]?.[0], failures: kinds.reduce((sum, [, count]) => sum + count, 0) };
    })
        .filter((entry) => entry.failures > 0);
    const mostlyFailed = failed.filter((entry) => entry.failures >= entry.url.passes);
    return (mostlyFailed.length > 0 ? mostlyFailed : failed).map((entry) => `${entry.url.url} ${entry.kind}`).sort();
}

;// CONCATENATED MODULE: ../../packages/health-check/src/gate.ts








/**
 * The most redirects a probe follows when the caller sets no `maxRedirects` (the health-gate action never does): the
 * cap Go's net/http client uses, far above any health URL's legitimate chain, so only a loop reaches it.
 */
const DEFAULT_MAX_REDIRECTS = 10;
/**
 * The gate's bookkeeping, Argo-Rollouts style. Before the first passing round every failure is the
 * service starting, so only the timeout ends the wait. After it, failed rounds count towards
 * failure-threshold (not necessarily in a row: a flapping service alternates), and any failed
 * round restarts the count of consecutive passes.
 */
class GateState {
    successThreshold;
    failureThreshold;
    consecutivePasses = 0;
    failuresSinceFirstPass = 0;
    streakStartedAt = null;
    passedRounds = 0;
    failedRounds = 0;
    firstPassAt = null;
    constructor(successThreshold, failureThreshold) {
        this.successThreshold = successThreshold;
        this.failureThreshold = failureThreshold;
    }
    /**
     * Counts one finished round.
     * @param atSeconds seconds since the gate started.
     * @returns `healthy` once success-threshold rounds passed in a row, `flapping` once failure-threshold rounds failed
     * after the first pass, else undefined (keep probing).
     */
    record(passed, atSeconds) {
        if (passed) {
            this.passedRounds += 1;
            this.firstPassAt ??= atSeconds;
            if (this.consecutivePasses === 0)
                this.streakStartedAt = atSeconds;
            this.consecutivePasses += 1;
            return this.consecutivePasses >= this.successThreshold ? 'healthy' : undefined;
        }
        this.failedRounds += 1;
        this.consecutivePasses = 0;
        this.streakStartedAt = null;
        if (this.firstPassAt === null)
            return undefined;
        this.failuresSinceFirstPass += 1;
        return this.failuresSinceFirstPass >= this.failureThreshold ? 'flapping' : undefined;
    }
    /**
     * Seconds since the gate started at which the current run of passing rounds began; null while the latest round failed
     * or none passed.
     */
    get healthySince() {
        return this.streakStartedAt;
    }
    /** Failed rounds counted after the first pass (in a row or not): what failure-threshold is compared with. */
    get failuresAfterFirstPass() {
        return this.failuresSinceFirstPass;
    }
}
async function judge(url, result, latencyMs, settings, { redactor, regexes, matchLimit, cutByTimeout }) {
    const redirects = result.redirects.map((hop) => ({
        ...hop,
        from: redactor.url(hop.from),
        to: redactor.url(hop.to),
    }));
    const base = { url: redactor.url(url.href), finalUrl: redactor.url(result.finalUrl), latencyMs, redirects };
    if (result.kind === 'error') {
        const detail = redactor.redact(result.error.message);
        const inconclusive = cutByTimeout && result.error.kind === 'timeout';
        return {
            ...base,
            verdict: 'error',
            detail,
            errorKind: result.error.kind,
            permanent: result.error.permanent,
            ...(inconclusive && { inconclusive: true }),
        };
    }
    if (!statusExpected(result.status, settings.expectedStatus)) {
        const unfollowed = result.unfollowed
            ? ` (a redirect to ${redactor.url(result.unfollowed.to)}, not followed: ${result.unfollowed.reason})`
            : '';
        const detail = `status ${result.status}${unfollowed}, expected ${describeStatusRanges(settings.expectedStatus)}`;
        return { ...base, verdict: 'wrong-status', status: result.status, detail };
    }
    // Redacted before it is cut, so no excerpt can end in the first half of a token.
    const body = () => JSON.stringify(excerpt(redactor.redact(result.body)));
    const mismatch = await bodyMismatch(result.body, settings.expectedBody, regexes, matchLimit);
    const jsonOutcome = !mismatch && settings.expectedJson && (await regexes.checkJson(settings.expectedJson, result.body, matchLimit));
    const failure = mismatch ??
        (jsonOutcome === 'stopped' || jsonOutcome === 'deadline' || jsonOutcome === 'unstarted'
            ? unfinishedCheck(`expected-json ${(0,value_description/* describeValue */.bp)(settings.expectedJson.text)}`, jsonOutcome, result.body, matchLimit, {
                evaluating: 'being evaluated on',
                cost: 'simplify the expression',
            })
            : jsonOutcome
                ? { detail: jsonOutcome, inconclusive: false }
                : undefined);
    if (failure) {
        return {
            ...base,
            verdict: 'wrong-body',
            status: result.status,
            detail: `${redactor.redact(failure.detail)}: ${body()}`,
            ...(failure.inconclusive && { inconclusive: true }),
        };
    }
    return { ...base, verdict: 'pass', status: result.status, detail: '' };
}
/**
 * How long past its own time limit a probe (request and body match) may run before the gate abandons
 * it: the probe enforces its limit itself, and this only keeps a probe that fails to settle (a
 * transport that never reports its failure) from holding the gate past its deadline.
 */
const ABANDON_GRACE_MS = 250;
/**
 * `work`, or `late()` if `work` has not settled within `ms` milliseconds; `work` is then left to
 * settle (or not) on its own, unobserved.
 */
function settleWithin(work, ms, late) {
    let timer;
    const deadline = new Promise((resolve) => {
        timer = setTimeout(() => resolve(late()), ms);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
/** Resolves after `ms` milliseconds, or at once when `signal` aborts. */
function sleep(ms, signal) {
    if (ms <= 0 || signal?.aborted)
        return Promise.resolve();
    return new Promise((resolve) => {
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
    });
}
/** `work`'s value, or undefined as soon as `signal` aborts (`work` is then left to settle unobserved). */
function unlessAborted(work, signal) {
    if (!signal)
        return work;
    if (signal.aborted)
        return Promise.resolve(undefined);
    let onAbort = () => undefined;
    const aborted = new Promise((resolve) => {
        onAbort = () => resolve(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
    });
    work.catch(() => undefined);
    return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
function seconds(ms) {
    return Math.round(ms) / 1000;
}
/**
 * Probes every URL once per round, in parallel, until the gate decides. Rounds start on a fixed
 * grid (initial-delay + k * interval) so probe time does not stretch the interval; a round that
 * overruns its slot is followed at once. No round starts at or after the timeout, and a probe's
 * request-timeout is cut to what is left of it, so the gate ends on time.
 */
async function runHealthCheck(settings) {
    const startedAt = external_node_perf_hooks_.performance.now();
    const elapsedMs = () => external_node_perf_hooks_.performance.now() - startedAt;
    const deadlineMs = settings.timeoutMs;
    const transport = new ProbeTransport(settings.insecureTls, settings.agents);
    const redactor = new Redactor(settings.headers, settings.urls);
    const needsThread = settings.expectedBody?.kind === 'regex' || settings.expectedJson !== undefined;
    if (needsThread && !settings.regexThread) {
        throw new Error('runHealthCheck: an expected-body regex or expected-json needs settings.regexThread to run it in');
    }
    const regexes = new BodyRegexMatcher(settings.regexThread ?? { filename: '' });
    if (needsThread)
        regexes.warm();
    const tallies = settings.urls.map((url) => new UrlTally(redactor.url(url.href)));
    const state = new GateState(settings.successThreshold, settings.failureThreshold);
    const isAnswer = (status) => statusExpected(status, settings.expectedStatus);
    let outcome = 'timeout';
    let rounds = 0;
    let lastRound;
    // True when the gate stops before its timeout because the next round would start at or after it.
    let stoppedBeforeDeadline = false;
    try {
        const signal = settings.signal;
        // Node counts timers in whole milliseconds, so a timer may fire up to a millisecond before the time it was set
        // for: the gate sleeps again until its own clock says a round's slot has come, so no round starts early.
        const sleepUntil = async (atMs) => {
            while (elapsedMs() < atMs && !signal?.aborted)
                await sleep(atMs - elapsedMs(), signal);
        };
        let nextRoundMs = Math.min(settings.initialDelayMs, deadlineMs);
        await sleepUntil(nextRoundMs);
        while (elapsedMs() < deadlineMs && !signal?.aborted) {
            const round = Promise.all(settings.urls.map(async (url) => {
                const sentAt = external_node_perf_hooks_.performance.now();
                const leftMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
                const cutByTimeout = leftMs < settings.requestTimeoutMs;
                const timeoutMs = cutByTimeout ? leftMs : settings.requestTimeoutMs;
                const timeoutName = cutByTimeout ? 'what was left of timeout' : 'request-timeout';
                const abandoned = () => ({
                    url: redactor.url(url.href),
                    finalUrl: redactor.url(url.href),
                    verdict: 'error',
                    detail: `the probe did not finish within ${timeoutMs} ms (${timeoutName}) and was abandoned`,
                    errorKind: 'timeout',
                    // As for any timeout of a probe whose limit the gate's deadline cut (see judge).
                    ...(cutByTimeout && { inconclusive: true }),
                    latencyMs: Math.round(external_node_perf_hooks_.performance.now() - sentAt),
                    redirects: [],
                });
                const probe = async () => {
                    const result = await settleWithin(probeUrl({
                        url,
                        method: settings.method,
                        headers: settings.headers,
                        timeoutMs,
                        timeoutName,
                        maxRedirects: settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
                        followRedirects: settings.followRedirects ?? 'none',
                        isAnswer,
                        transport,
                        redactor,
                    }), timeoutMs + ABANDON_GRACE_MS, () => undefined);
                    if (!result)
                        return abandoned();
                    const latencyMs = Math.round(external_node_perf_hooks_.performance.now() - sentAt);
                    // Matching the body is part of the probe, so it gets what is left of the probe's own limit;
                    // a matching thread still starting up may be waited for until the gate's timeout, apart
                    // from that limit: its start-up is not the pattern's cost.
                    const startMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
                    // A probe whose limit was already cut to what is left of the timeout has no limit of its own: a
                    // check it cannot finish was stopped by the gate's deadline, not by its cost.
                    const ownMs = cutByTimeout ? Number.POSITIVE_INFINITY : Math.max(1, timeoutMs - latencyMs);
                    const matchLimit = { ms: ownMs, name: timeoutName, startMs };
                    return settleWithin(judge(url, result, latencyMs, settings, { redactor, regexes, matchLimit, cutByTimeout }), startMs + ABANDON_GRACE_MS, abandoned);
                };
                return probe();
            }));
            const probes = await unlessAborted(round, signal);
            // A round the cancel cut short tells nothing: only completed rounds are reported.
            if (!probes)
                break;
            rounds += 1;
            probes.forEach((probe, index) => tallies[index].add(probe));
            const atSeconds = seconds(elapsedMs());
            lastRound = { round: rounds, atSeconds, passed: probes.every((probe) => probe.verdict === 'pass'), probes };
            settings.onRound?.(lastRound);
            // A URL that cannot work (an https:// URL on a plain-HTTP port) will not start working by waiting.
            const decision = probes.some((probe) => probe.permanent)
                ? 'misconfigured'
                : state.record(lastRound.passed, atSeconds);
            if (decision) {
                outcome = decision;
                break;
            }
            nextRoundMs = Math.max(nextRoundMs + settings.intervalMs, elapsedMs());
            if (nextRoundMs >= deadlineMs) {
                stoppedBeforeDeadline = elapsedMs() < deadlineMs;
                break;
            }
            await sleepUntil(nextRoundMs);
        }
        if (signal?.aborted)
            outcome = 'cancelled';
    }
    finally {
        transport.destroy();
        regexes.close();
    }
    const healthy = outcome === 'healthy';
    const urls = tallies.map((tally) => tally.snapshot());
    return {
        healthy,
        outcome,
        reason: explain(outcome, settings, state, rounds, lastRound, urls, stoppedBeforeDeadline),
        rounds,
        passedRounds: state.passedRounds,
        failedRounds: state.failedRounds,
        timeToHealthySeconds: healthy ? state.healthySince : null,
        elapsedSeconds: seconds(elapsedMs()),
        urls,
    };
}
function explain(outcome, settings, state, rounds, last, urls, stoppedBeforeDeadline) {
    // A last round cut short by the timeout may say less than the round before it did: a wrong answer, or
    // else a probe error, that no inconclusive probe replaced in the URL's report.
    const words = (probe, index) => {
        const conclusive = urls[index].lastMismatch ?? urls[index].lastError;
        return probe.inconclusive && conclusive !== null && conclusive !== probe.detail
            ? `${probe.url}: ${probe.detail} (the last conclusive answer: ${conclusive})`
            : `${probe.url}: ${probe.detail}`;
    };
    const failing = last?.probes.flatMap((probe, index) => (probe.verdict === 'pass' ? [] : [words(probe, index)])) ?? [];
    const lastWords = failing.length ? `; last round: ${failing.join('; ')}` : '';
    if (outcome === 'healthy') {
        return `healthy: ${settings.successThreshold} consecutive passing round(s) of ${settings.urls.length} URL(s) after ${rounds} round(s)`;
    }
    if (outcome === 'misconfigured') {
        return `unhealthy: a URL cannot answer as configured, so the gate stopped without waiting for the timeout${lastWords}`;
    }
    if (outcome === 'flapping') {
        return `unhealthy: ${state.failuresAfterFirstPass} failed round(s) after the first passing round (failure-threshold ${settings.failureThreshold})${lastWords}`;
    }
    if (outcome === 'cancelled') {
        return `unhealthy: the run was cancelled after ${rounds} round(s), ${progressOf(settings, state)}${lastWords}`;
    }
    if (rounds === 0)
        return `unhealthy: timeout ${(0,duration/* formatDuration */.a)(settings.timeoutMs)} reached before the first round (initial-delay ${(0,duration/* formatDuration */.a)(settings.initialDelayMs)})`;
    const progress = progressOf(settings, state);
    // Stopping less than an interval early is reaching the timeout; but when the interval outlasts the
    // time after initial-delay, the one round ran long before the timeout, and the message says why.
    const oneRoundFits = settings.intervalMs >= settings.timeoutMs - settings.initialDelayMs;
    const ending = stoppedBeforeDeadline && oneRoundFits
        ? `the next round would start after timeout ${(0,duration/* formatDuration */.a)(settings.timeoutMs)} (interval ${(0,duration/* formatDuration */.a)(settings.intervalMs)}), so the gate stopped`
        : `timeout ${(0,duration/* formatDuration */.a)(settings.timeoutMs)} reached`;
    return `unhealthy: ${ending} after ${rounds} round(s), ${progress}${lastWords}`;
}
function progressOf(settings, state) {
    return state.firstPassAt === null
        ? 'no round passed'
        : `${state.passedRounds} round(s) passed but not ${settings.successThreshold} in a row`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/index.ts










// EXTERNAL MODULE: ../../packages/releases/src/errors.ts
var errors = __webpack_require__(68);
// EXTERNAL MODULE: ../../packages/releases/src/switch-hosts.ts
var switch_hosts = __webpack_require__(9405);
;// CONCATENATED MODULE: ../../packages/releases/src/deploy.ts












const DEFAULT_SMOKE_TIMEOUT_MS = 5000;
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}
/** A line about one host: kept in its report and passed on, labelled, as it happens. */
function note(run, request, line) {
    run.report.log.push(line);
    request.log?.(`${run.report.label}: ${line}`);
}
/**
 * Which releases go: the new and the previous one always stay, then the newest others up to
 * keep-releases. Directories without a readable record (not built by a deploy, or damaged)
 * are never touched: they are not ours to judge.
 */
function releasesToPrune(releases, keep, keepAlways) {
    const pinned = new Set(keepAlways.filter((id) => id !== undefined));
    const others = (0,release_host/* sortReleasesNewestFirst */.Dz)(releases.filter((release) => release.info !== undefined && !pinned.has(release.id)));
    const slots = Math.max(0, keep - pinned.size);
    return others.slice(slots).map((release) => release.id);
}
async function prepareHost(run, request) {
    const { session } = run.host;
    const log = (line) => note(run, request, line);
    run.upload = (0,release_host/* openUpload */.Cg)(session, run.target, request.releaseId, request.signal);
    run.switcher = (0,release_host/* openSwitch */.$F)(session, switchArgs(run, request));
    run.lockStarted = true;
    const known = request.knownManifest?.(session.label, run.target);
    const totals = (0,manifest/* manifestTotals */.BB)(request.manifest);
    const info = {
        id: request.releaseId,
        status: 'complete',
        commit: request.origin.commit,
        ref: request.origin.ref,
        runUrl: request.origin.runUrl,
        actor: request.origin.actor,
        createdAt: new Date().toISOString(),
        files: totals.files,
        bytes: totals.bytes,
    };
    run.info = info;
    const lock = await release_host/* TargetLock */.rI.acquire(session, run.target, {
        timeoutMs: request.lockTimeoutMs,
        owner: { runId: request.origin.runId, runUrl: request.origin.runUrl },
        releaseId: request.releaseId,
        token: run.lockToken,
        manifest: request.manifest,
        known,
        record: info,
        signal: request.signal,
    });
    run.lock = lock;
    run.report.lockHeld = true;
    request.signal?.throwIfAborted();
    const state = lock.state;
    if (known) {
        run.report.knownManifestUsed = state.currentIsKnown;
        if (state.currentIsKnown)
            log(`the live release's manifest is the copy kept from an earlier deploy (the host confirmed its digest): not read back`);
        else if (state.currentManifest && !state.currentIsBuild)
            log(`the kept manifest is not the live release's: the live one was read from the host`);
    }
    run.report.tookOverLockFrom = state.tookOverFrom;
    run.report.cleanedPartials = state.cleaned;
    run.report.drifted = state.drift.map((file) => file.path);
    run.report.serving = state.current ?? '';
    if (state.tookOverFrom)
        log(`took over a stale lock of ${state.tookOverFrom}`);
    for (const partial of state.cleaned)
        log(`removed ${partial}, left behind by an interrupted deploy`);
    if (state.migrated.length > 0)
        log(`moved the records of ${state.migrated.join(', ')} out of the served tree to ${remote_scripts/* RECORDS_DIR */.v7}`);
    if (state.drift.length > 0)
        log(`${state.drift.length} file(s) of the live release ${state.current} changed on the server since it was deployed (${(0,release_host/* describeDrift */.ZP)(state.drift)}); they are sent again, not linked`);
    run.report.previousReleaseId = state.current !== request.releaseId ? state.current : undefined;
    const existingIsSame = sameManifest(state.existingManifest, request.manifest);
    if (state.current === request.releaseId) {
        if (!existingIsSame || state.drift.length > 0) {
            const why = existingIsSame
                ? `files of it were changed on the server since it was deployed (${(0,release_host/* describeDrift */.ZP)(state.drift)})`
                : 'with different content';
            throw new errors/* ReleaseHostError */.GN(session.label, `Release ${request.releaseId} is live on ${session.label} ${why}; a live release is never rebuilt in place. Use a new release-id.`);
        }
        run.alreadyLive = true;
        run.report.filesReused = totals.files;
        log(`release ${request.releaseId} is already live with the same content`);
    }
    else if (state.clonedFrom !== undefined) {
        // The host held the build unchanged in a kept release and cloned it while locking: nothing to send.
        run.report.filesReused = totals.files;
        log(`release ${state.clonedFrom} holds this build unchanged: linked all ${totals.files} file(s) from it, sending none`);
    }
    else if (existingIsSame &&
        state.existingDrift.length === 0 &&
        state.releases.some((release) => release.id === request.releaseId && release.info)) {
        // A re-run after a failure later in the flow: the release is built already; only its record is renewed.
        await (0,release_host/* writeReleaseInfo */.jl)(session, run.target, info);
        run.report.filesReused = totals.files;
        log(`release ${request.releaseId} is already built with the same content`);
    }
    else {
        const source = reuseSource(state, request.manifest);
        const reuseFrom = source && asFoundOnServer(source.manifest, source.drift);
        const others = state.newer.map((release) => ({
            dir: `releases/${release.id}`,
            manifest: asFoundOnServer(release.manifest, release.drift),
        }));
        const plan = planDelta(request.manifest, reuseFrom, others);
        // The build is a kept release whose files are all as built: the host clones it, nothing is sent.
        const cloneFrom = source?.manifest === request.manifest && source.drift.length === 0 ? source.id : undefined;
        const archive = releaseStream({
            sourceRoot: request.sourceRoot,
            manifest: request.manifest,
            plan,
            releaseDir: `releases/.${request.releaseId}.partial`,
            recordsDir: `${remote_scripts/* RECORDS_DIR */.v7}/.${request.releaseId}.partial`,
            reuseDir: source ? `releases/${source.id}` : undefined,
            cloneFrom,
            releaseInfo: info,
            gzipLevel: request.gzipLevel,
        });
        if (state.match && state.match.drift.length > 0)
            log(`${state.match.drift.length} file(s) of release ${state.match.id}, which holds this build, changed on the server since it was deployed (${(0,release_host/* describeDrift */.ZP)(state.match.drift)}); they are sent again, not linked`);
        log(cloneFrom !== undefined
            ? `release ${cloneFrom} holds this build unchanged: linking all ${plan.reuse.length} file(s) from it, sending none`
            : `sending ${plan.upload.length} new or changed file(s), linking ${plan.reuse.length} unchanged from ${[source?.id, ...state.newer.map((release) => release.id)].filter(Boolean).join(', ') || 'no release'}`);
        (0,release_host/* completeUpload */.dd)(session, run.target, request.releaseId, await (0,release_host/* startUpload */.aH)(run.upload, archive.stream, cloneFrom), plan.uploadBytes);
        run.report.filesUploaded = plan.upload.length;
        run.report.filesReused = plan.reuse.length;
        run.report.bytesUploaded = archive.sentBytes();
    }
    request.signal?.throwIfAborted();
    if (request.nginxConfig && run.config !== undefined) {
        run.configInstalled = true;
        await (0,release_host/* installNginxConfig */.U4)(session, run.target, request.nginxConfig.remotePath, run.config, request.nginxTestCommand, request.nginxCommandTimeoutMs, request.releaseId, run.lockToken);
    }
}
/** The site config for one host, rendered before anything changes anywhere (a template error is an input error). */
function renderFor(run, request) {
    return renderSiteConfig(request, run.target, run.host.name);
}
/**
 * The site config release `request.releaseId` goes live with on the host named `hostName` (as the
 * `host` input names it) whose base directory is `target`; undefined when the request installs none.
 * @throws Error naming the template when it uses an unknown placeholder, or `{{server_name}}` without server names.
 */
function renderSiteConfig(request, target, hostName) {
    if (!request.nginxConfig)
        return undefined;
    return renderNginxConfig(request.nginxConfig.template, {
        root: `${target}/current`,
        release: (0,remote_scripts/* releasePath */.bD)(target, request.releaseId),
        release_id: request.releaseId,
        target,
        server_name: request.serverNames?.join(' '),
        host: hostName,
    }, request.nginxConfig.templateName);
}
/** How this run's switch reaches the host, and how it is undone (see `revertSwitch`). */
function switchArgs(run, request) {
    return {
        target: run.target,
        releaseId: request.releaseId,
        reloadCommand: request.nginxReloadCommand,
        timeoutMs: request.nginxCommandTimeoutMs,
        token: run.lockToken,
    };
}
/**
 * Undoes a host's config and switch after another host, its own reload or the smoke check failed.
 * A host whose switch outcome never arrived (the connection broke) is asked over a new connection:
 * the revert only acts where `current` points at this release by this run's switch, so it is safe
 * whether the switch happened or not. Sets `serving` to what the host serves afterwards.
 */
async function revertHost(run, request) {
    if (!run.configInstalled && !run.switched && !run.switchUnknown)
        return false;
    const revert = await (0,switch_hosts/* putBack */.p)(run, switchArgs(run, request));
    run.report.serving = revert.current ?? '';
    return revert.reverted;
}
/**
 * The kept release new files are linked from: the live one when it is the build (or when no kept
 * release is), else the newest kept release that is the build (after a rollback), else the live one.
 */
function reuseSource(state, build) {
    const live = state.current && state.currentManifest
        ? { id: state.current, manifest: state.currentManifest, drift: state.drift }
        : undefined;
    if (state.currentIsBuild || !state.match)
        return live;
    return { id: state.match.id, manifest: build, drift: state.match.drift };
}
/** The releases a successful deploy prunes on the host of `run` (see releasesToPrune); needs the lock's state. */
function pruneAfter(run, request) {
    if (!run.lock)
        return [];
    return releasesToPrune([
        ...run.lock.state.releases.filter((release) => release.id !== request.releaseId),
        { id: request.releaseId, info: run.info },
    ], request.keepReleases, [request.releaseId, run.report.previousReleaseId]);
}
async function releaseLock(run, prune) {
    if (run.pruned) {
        // The switch freed the lock already (see TargetLock.switchAndRelease).
        reportPruned(run, run.pruned);
        return;
    }
    if (!run.lock) {
        // The connection broke while the lock was being taken: the host may hold it for this run.
        if (run.lockStarted && run.host.reconnect) {
            const fresh = await run.host.reconnect();
            try {
                await release_host/* TargetLock */.rI.freeIfHeld(fresh, run.target, run.lockToken);
            }
            finally {
                await fresh.close?.();
            }
        }
        return;
    }
    reportPruned(run, await (0,release_host/* releaseLockAnyhow */.b7)(run.lock, prune, run.host.reconnect));
}
function reportPruned(run, result) {
    run.report.pruned = result.pruned;
    if (result.pruneFailed.length > 0) {
        run.report.warnings.push(`${run.report.label}: could not prune release(s) ${result.pruneFailed.join(', ')}; the next deploy tries again: ${result.pruneError ?? ''}`.trim());
    }
}
async function smokeCheck(url, timeoutMs) {
    const report = await runHealthCheck({
        urls: [url],
        expectedStatus: [{ from: 200, to: 299 }],
        method: 'GET',
        headers: [],
        intervalMs: 500,
        requestTimeoutMs: Math.min(5000, timeoutMs),
        timeoutMs,
        initialDelayMs: 0,
        successThreshold: 1,
        failureThreshold: 1,
        insecureTls: false,
    });
    return { ok: report.healthy, reason: report.reason };
}
/**
 * Puts every host that switched (or may have: its connection broke during the switch) back on the
 * release it served before, restores configs, and records in each host's report what it serves now.
 */
async function revertAll(runs, request, failure) {
    await Promise.allSettled(runs.map(async (run) => {
        const wasSwitched = run.switched && !run.alreadyLive;
        const landing = run.landingAtCancel === true;
        const wasUnknown = run.switchUnknown && !landing;
        try {
            const reverted = await revertHost(run, request);
            if (landing) {
                if (reverted)
                    run.report.outcome = 'rolled back';
                note(run, request, `its switch was landing when the run was cancelled: ${reverted ? 'put back on' : 'it still serves'} ${run.report.serving || 'nothing'}, as before this deploy`);
            }
            if (wasSwitched) {
                run.report.outcome = 'rolled back';
                note(run, request, `put back on ${run.report.serving || 'nothing'}, as before this deploy`);
            }
            if (wasUnknown)
                run.report.error = `${run.report.error}; over a new connection the host was found serving ${run.report.serving || 'nothing'}, as before this deploy`;
        }
        catch (error) {
            const why = errorMessage(error);
            if (landing) {
                run.report.outcome = 'unknown';
                run.report.serving = undefined;
                run.report.error = `its switch was landing when the run was cancelled, and putting it back failed (${why}): it serves either ${request.releaseId} or ${run.report.previousReleaseId ?? 'what it served before'}; the post step tries again`;
            }
            else if (wasUnknown) {
                run.report.outcome = 'unknown';
                run.report.serving = undefined;
                run.report.error = `${run.report.error}; the host could not be reached again (${why}), so it serves either ${request.releaseId} or ${run.report.previousReleaseId ?? 'what it served before'}: the next deploy or rollback puts it right`;
            }
            else {
                run.report.error = `${run.report.error ?? failure}; putting the previous release back on ${run.report.label} failed: ${why}`;
            }
        }
    }));
}
/**
 * The release flow over every host: prepare all hosts in parallel (lock, delta upload, config
 * test), switch only when every host is prepared, smoke-check, and undo the switch everywhere if
 * any host's switch, reload or the smoke check fails: everywhere or nowhere. A host whose
 * connection breaks during the switch is reached again to be put back; if it cannot be, its
 * report says so (outcome `unknown`). Each host's report says which release it serves at the end.
 * Locks are freed on every path.
 * @returns the report when the release went live on every host.
 * @throws ReleaseHostError when the release id could not be a release, Error when the nginx template
 *   cannot be rendered (both before anything is touched); FrontendDeployFailedError, carrying the
 *   report, when any host failed once the deploy began.
 */
async function deployFrontend(request, hosts) {
    const report = await releaseEverywhere(request, hosts);
    if (report.error !== undefined)
        throw new errors/* FrontendDeployFailedError */.l3(report.error, report);
    return report;
}
async function releaseEverywhere(request, hosts) {
    if (!release_id/* RELEASE_ID_PATTERN */.Z.test(request.releaseId)) {
        throw new errors/* ReleaseHostError */.GN('', `"${request.releaseId}" cannot be a release id: ${release_id/* RELEASE_ID_RULE */.j}`);
    }
    const log = request.log ?? (() => undefined);
    const runs = hosts.map((host) => ({
        host,
        target: host.target ?? request.target,
        startedAt: external_node_perf_hooks_.performance.now(),
        channelsAtStart: host.session.channelsOpened ?? 0,
        lockToken: request.lockToken ?? (0,external_node_crypto_.randomUUID)(),
        lockStarted: false,
        configInstalled: false,
        switched: false,
        switchUnknown: false,
        alreadyLive: false,
        report: {
            host: host.name,
            label: host.session.label,
            releaseId: request.releaseId,
            releasePath: (0,remote_scripts/* releasePath */.bD)(host.target ?? request.target, request.releaseId),
            outcome: 'not switched',
            filesUploaded: 0,
            filesReused: 0,
            bytesUploaded: 0,
            seconds: 0,
            cleanedPartials: [],
            pruned: [],
            drifted: [],
            warnings: [],
            log: [],
        },
    }));
    for (const run of runs)
        run.config = renderFor(run, request);
    let failure;
    let cancelled;
    let switchBegan = false;
    const fail = (run, error) => {
        run.report.outcome = 'failed';
        run.report.error = errorMessage(error);
        failure ??= run.report.error;
    };
    const report = () => ({
        releaseId: request.releaseId,
        target: request.target,
        smokeUrl: request.smokeUrl?.href,
        hosts: runs.map((run) => run.report),
        error: failure,
        cancelled,
    });
    const { signal } = request;
    let provisional;
    const heardCancel = () => {
        cancelled = switchBegan ? 'during switch' : 'before switch';
        failure = cancelledFailure(request, cancelled, false);
        const now = report();
        provisional = Promise.resolve(request.onCancelled?.(now)).catch(() => undefined);
    };
    if (signal?.aborted)
        heardCancel();
    else
        signal?.addEventListener('abort', heardCancel, { once: true });
    try {
        // Phase 1: every host prepared, or none switched.
        const prepared = await Promise.allSettled(runs.map((run) => prepareHost(run, request)));
        prepared.forEach((result, index) => {
            // A host stopped by the cancel did not fail: it is left as it was, like every other host.
            if (result.status === 'rejected' && !signal?.aborted)
                fail(runs[index], result.reason);
        });
        if (failure !== undefined) {
            log(cancelled
                ? 'Cancelled before the switch: no host is switched'
                : `Preparation failed on ${runs
                    .filter((run) => run.report.outcome === 'failed')
                    .map((run) => run.report.label)
                    .join(', ')}: no host is switched`);
            await Promise.allSettled(runs.filter((run) => run.report.outcome !== 'failed').map((run) => revertHost(run, request)));
            return report();
        }
        // Phase 2: switch everywhere; one failed switch sends the others back.
        switchBegan = true;
        request.journal?.switching(Object.fromEntries(runs.map((run) => [run.report.label, { to: request.releaseId, previous: run.report.serving ?? '' }])));
        // One host and no smoke check: nothing after its switch can send it back, so the switch also
        // prunes and frees the lock, and the unlock costs no round trip of its own.
        const unlockWithSwitch = runs.length === 1 && !request.smokeUrl;
        const switchErrors = await untilCancelled(signal, (0,switch_hosts/* switchEveryHost */.a)(runs, async (run) => {
            let result;
            if (unlockWithSwitch && run.lock) {
                const done = await run.lock.switchAndRelease(run.switcher, pruneAfter(run, request));
                result = done.result;
                run.pruned = done.pruned;
            }
            else {
                result = await run.switcher.start();
            }
            // An answer after the cancel: the put-back that began at the cancel owns this host now.
            signal?.throwIfAborted();
            const { previous } = (0,release_host/* completeSwitch */.k2)(run.host.session, result);
            if (!run.alreadyLive)
                run.report.previousReleaseId = previous;
            run.report.outcome = 'live';
            run.report.serving = request.releaseId;
            note(run, request, `current now points at ${request.releaseId}`);
        }));
        switchErrors?.forEach((error, index) => {
            if (error !== undefined)
                fail(runs[index], error);
        });
        const smoke = !signal?.aborted && failure === undefined && request.smokeUrl
            ? await untilCancelled(signal, smokeCheck(request.smokeUrl, request.smokeTimeoutMs ?? DEFAULT_SMOKE_TIMEOUT_MS))
            : undefined;
        if (signal?.aborted) {
            // Cancelled during the switch or the smoke check: every host goes back, as after a failed host.
            for (const run of runs) {
                if (!run.switched && !run.switchUnknown && run.report.outcome !== 'failed') {
                    run.landingAtCancel = true;
                    run.switchUnknown = true;
                }
            }
            await revertAll(runs, request, failure ?? cancelledFailure(request, 'during switch', false));
            failure = cancelledFailure(request, 'during switch', true, stuckAfterPutBack(runs));
        }
        else if (smoke && request.smokeUrl) {
            if (!smoke.ok) {
                failure = `Smoke check of ${request.smokeUrl.href} failed (${smoke.reason}); the previous release is live again and ${request.releaseId} is marked failed`;
                for (const run of runs)
                    run.report.error = failure;
                await revertAll(runs, request, failure);
                const stuck = runs.filter((run) => !run.alreadyLive && run.report.outcome !== 'rolled back');
                if (stuck.length > 0) {
                    failure = `Smoke check of ${request.smokeUrl.href} failed (${smoke.reason}); putting the previous release back failed on ${stuck
                        .map((run) => run.report.label)
                        .join(', ')} (see each host), and ${request.releaseId} is marked failed`;
                }
                for (const run of runs) {
                    if (run.alreadyLive)
                        run.report.outcome = 'failed';
                    if (run.info && !run.alreadyLive)
                        await (0,release_host/* markReleaseFailed */.W2)(run.host.session, run.target, run.info, failure).catch(() => undefined);
                }
            }
        }
        else if (failure !== undefined) {
            await revertAll(runs, request, failure);
        }
        // A host still switched (or unknown) after a failure is left for the post step to put back; after a
        // cancel during the switch, every host is: a switch still landing could land after its put-back looked.
        if (failure === undefined ||
            (!signal?.aborted && runs.every((run) => !run.switchUnknown && (!run.switched || run.alreadyLive))))
            request.journal?.settled();
        return report();
    }
    finally {
        await Promise.allSettled(runs.map(async (run) => {
            // Opened ahead and never needed (nothing to send, or the deploy stopped): closed unstarted.
            await Promise.all([run.upload?.abort(), run.switcher?.abort()]);
            const prune = failure === undefined && run.lock ? pruneAfter(run, request) : [];
            try {
                await releaseLock(run, prune);
                run.report.lockHeld = undefined;
            }
            catch (error) {
                note(run, request, `could not free the deploy lock (${errorMessage(error)}); the next deploy takes it over after lock-timeout`);
            }
            run.report.seconds = Math.round((external_node_perf_hooks_.performance.now() - run.startedAt) / 10) / 100;
            run.report.channels = (run.host.session.channelsOpened ?? 0) - run.channelsAtStart;
        }));
        signal?.removeEventListener('abort', heardCancel);
        await provisional;
    }
}
/** The hosts that the put-back after a cancel did not bring back (see revertAll: it clears `switched` once done). */
function stuckAfterPutBack(runs) {
    return runs.filter((run) => run.report.outcome === 'unknown' || (run.switched && !run.alreadyLive));
}
/**
 * The deploy's error after a cancel, beginning with the signal's reason: before the switch, what
 * stops; during it, that every host is being (or, `done`, was) put back, naming the hosts `stuck`
 * that could not be.
 */
function cancelledFailure(request, stage, done, stuck = []) {
    const reason = errorMessage(request.signal?.reason ?? 'The run was cancelled');
    if (stage === 'before switch')
        return `${reason} before any host switched to ${request.releaseId}: the uploads stop, site configs go back and the deploy locks are freed; the live site is unchanged`;
    if (!done)
        return `${reason} during the switch to ${request.releaseId}: every host that switched, or whose switch was landing, is being put back on the release it served before`;
    if (stuck.length === 0)
        return `${reason} during the switch to ${request.releaseId}: every host is back on the release it served before`;
    return `${reason} during the switch to ${request.releaseId}: putting the previous release back failed on ${stuck
        .map((run) => run.report.label)
        .join(', ')} (see each host); the post step tries again`;
}
/**
 * `work`'s value, or undefined as soon as `signal` aborts (at once when it has already): the work
 * goes on unawaited, and what it does after the cancel must not touch the report (see the switch).
 */
async function untilCancelled(signal, work) {
    if (!signal)
        return work;
    if (signal.aborted)
        return undefined;
    let stop;
    const aborted = new Promise((resolve) => {
        stop = () => resolve(undefined);
        signal.addEventListener('abort', stop, { once: true });
    });
    try {
        return await Promise.race([work, aborted]);
    }
    finally {
        signal.removeEventListener('abort', stop);
    }
}

// EXTERNAL MODULE: ../../packages/releases/src/rollback.ts
var rollback = __webpack_require__(4187);
// EXTERNAL MODULE: ../../packages/releases/src/abandoned-lock.ts
var abandoned_lock = __webpack_require__(2347);
// EXTERNAL MODULE: ../../packages/releases/src/release-hosts.ts
var release_hosts = __webpack_require__(3476);
;// CONCATENATED MODULE: ../../packages/reporting/src/deploy-plan.ts
/**
 * The version of the deploy plan documents (the `plan` output of every deploy action, with
 * `dry-run: true`): a consumer (a pull-request comment, a script) checks it before reading the
 * rest. A change that removes or renames a field gives a new version. See docs/deploy-plans.md.
 */
const PLAN_SCHEMA = 'sophia.deploy-plan/v1';

;// CONCATENATED MODULE: ../../packages/releases/src/plan.ts





/** How many paths each list of a host's plan names when the request does not say (the counts and bytes cover all). */
const PLAN_PATH_LIMIT = 20;
function served(manifest) {
    const entries = new Map();
    for (const entry of manifest?.entries ?? [])
        if (entry.type !== 'dir')
            entries.set(entry.path, entry);
    return entries;
}
function sameEntry(a, b) {
    if (a.type === 'symlink' || b.type === 'symlink')
        return a.type === 'symlink' && b.type === 'symlink' && a.target === b.target;
    return a.sha256 === b.sha256 && a.size === b.size && a.mode === b.mode;
}
const sizeOf = (entry) => (entry.type === 'file' ? entry.size : 0);
function pathChanges(entries, limit) {
    return {
        count: entries.length,
        bytes: entries.reduce((sum, entry) => sum + sizeOf(entry), 0),
        paths: entries.slice(0, limit).map((entry) => entry.path),
    };
}
/** The plan of one host from what was read there (pure: see readLiveRelease for the reading). */
function hostPlan(request, host, live, config) {
    const limit = request.pathLimit ?? PLAN_PATH_LIMIT;
    const now = live.manifest ? asFoundOnServer(live.manifest, live.drift) : undefined;
    const before = served(now);
    const after = served(request.manifest);
    const added = [];
    const changed = [];
    const kept = [];
    for (const [path, entry] of after) {
        const old = before.get(path);
        if (!old)
            added.push(entry);
        else if (sameEntry(old, entry))
            kept.push(entry);
        else
            changed.push(entry);
    }
    const removed = [...before].filter(([path]) => !after.has(path)).map(([, entry]) => entry);
    const delta = planDelta(request.manifest, now);
    const alreadyLive = live.current === request.releaseId && live.isBuild && live.drift.length === 0;
    const blockers = [];
    if (live.notSymlink)
        blockers.push(`${host.target}/current exists and is not a symlink: the deploy would refuse the target`);
    if (live.current === request.releaseId && !alreadyLive)
        blockers.push(`release ${request.releaseId} is live with different content (or files changed on the server): the deploy would refuse it; use a new release-id`);
    if (live.lockedBy)
        blockers.push(`another deploy holds the lock now (${live.lockedBy}): the deploy would wait for it`);
    const path = request.nginxConfig?.remotePath;
    return {
        ...host,
        liveRelease: live.current,
        liveKnown: live.current === '' || live.manifest !== undefined,
        alreadyLive,
        added: pathChanges(alreadyLive ? [] : added, limit),
        changed: pathChanges(alreadyLive ? [] : changed, limit),
        removed: pathChanges(alreadyLive ? [] : removed, limit),
        unchanged: {
            count: kept.length,
            bytes: kept.reduce((sum, entry) => sum + sizeOf(entry), 0),
        },
        upload: alreadyLive ? { files: 0, bytes: 0 } : { files: delta.upload.length, bytes: delta.uploadBytes },
        drifted: live.drift.map((file) => file.path),
        ...(path !== undefined && config !== undefined
            ? {
                nginxConfig: {
                    path,
                    change: live.config === null ? 'created' : live.config === config ? 'unchanged' : 'changed',
                },
            }
            : {}),
        blockers,
    };
}
/**
 * What deploying `request` would do on each host, read without changing anything: no lock is taken
 * (a deploy running now may change what is live before the next one), nothing is written, nginx is
 * neither tested nor reloaded. The hosts are read in parallel, one round trip each.
 * @throws Error naming the template when the site config cannot be rendered; what a session
 *   throws when a host cannot be read.
 */
async function planFrontend(request, hosts) {
    const plans = await Promise.all(hosts.map(async (host) => {
        const target = host.target ?? request.target;
        const config = renderSiteConfig(request, target, host.name);
        const live = await (0,release_host/* readLiveRelease */.qI)(host.session, target, request.manifest, request.nginxConfig?.remotePath);
        return hostPlan(request, { host: host.name, label: host.session.label, target }, live, config);
    }));
    return {
        schema: PLAN_SCHEMA,
        target: 'frontend',
        releaseId: request.releaseId,
        build: (0,manifest/* manifestTotals */.BB)(request.manifest),
        hosts: plans,
    };
}

// EXTERNAL MODULE: ../../packages/reporting/src/markdown.ts
var markdown = __webpack_require__(9766);
;// CONCATENATED MODULE: ../../packages/releases/src/plan-summary.ts

function changesCell(changes) {
    return changes.count === 0 ? '-' : `${changes.count} (${(0,markdown/* formatBytes */.z3)(changes.bytes)})`;
}
/** One host's lists, folded: the first paths of each kind of change, and files changed on the server. */
function hostDetails(host) {
    const list = (title, changes) => changes.count === 0
        ? []
        : [
            `**${title}** (${changes.count}${changes.count > changes.paths.length ? `, the first ${changes.paths.length}` : ''}):`,
            '',
            ...changes.paths.map((path) => `- ${(0,markdown/* markdownCode */.D9)(path)}`),
            '',
        ];
    const lines = [
        ...list('Added', host.added),
        ...list('Changed', host.changed),
        ...list('Removed', host.removed),
        ...(host.drifted.length > 0
            ? [
                `**Changed on the server since it was deployed** (compared as they are now): ${host.drifted.map((path) => (0,markdown/* markdownCode */.D9)(path)).join(', ')}`,
                '',
            ]
            : []),
    ];
    if (lines.length === 0)
        return '';
    return (0,markdown/* markdownDetails */.oG)(`${host.label}: the paths`, lines.join('\n'));
}
function configCell(host) {
    return host.nginxConfig ? `${host.nginxConfig.change} (${host.nginxConfig.path})` : 'not managed';
}
/** What would stop or hold up the deploy, one line per blocker, each naming its host (`host:port: ...`). */
function frontendPlanBlockers(plan) {
    return plan.hosts.flatMap((host) => host.blockers.map((blocker) => `${host.label}: ${blocker}`));
}
/**
 * A frontend plan in Markdown (the plan job's summary, a pull request's plan comment): the build,
 * per host what would be added, changed, removed, kept and sent and the nginx config, the
 * blockers, then each host's first paths folded in `<details>`. Sizes as `formatBytes` gives them.
 * File names come from the build being planned (a pull request's): each path is a code span of
 * markdownCode and every other value text of markdownText, so no name can end its line or open
 * HTML that hides the rest of the plan.
 */
function frontendPlanMarkdown(plan) {
    const table = (0,markdown/* markdownTable */.Qj)(['Host', 'Live now', 'Added', 'Changed', 'Removed', 'Unchanged', 'Would send', 'nginx config'], plan.hosts.map((host) => [
        host.label,
        (host.liveRelease || 'nothing') + (host.liveKnown ? '' : ' (no manifest on record)'),
        host.alreadyLive ? 'already live' : changesCell(host.added),
        changesCell(host.changed),
        changesCell(host.removed),
        changesCell(host.unchanged),
        host.upload.files === 0 ? 'nothing' : `${host.upload.files} files (${(0,markdown/* formatBytes */.z3)(host.upload.bytes)})`,
        configCell(host),
    ]));
    const blockers = frontendPlanBlockers(plan);
    return [
        `### Frontend plan for release ${(0,markdown/* markdownText */.p7)(plan.releaseId)} (dry run: nothing was changed)`,
        '',
        `The build: ${plan.build.files} files, ${(0,markdown/* formatBytes */.z3)(plan.build.bytes)}.`,
        '',
        table,
        ...blockers.map((blocker) => `**Would stop or wait:** ${(0,markdown/* markdownText */.p7)(blocker, 1000)}\n`),
        ...plan.hosts.map(hostDetails).filter(Boolean),
    ].join('\n');
}

;// CONCATENATED MODULE: ../../packages/releases/src/index.ts




















/***/ })

};
