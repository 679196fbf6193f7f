export const id = 745;
export const ids = [745];
export const modules = {

/***/ 7745:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  BEGIN_SCRIPT: () => (/* reexport */ BEGIN_SCRIPT),
  EXIT: () => (/* reexport */ EXIT),
  FINISH_SCRIPT: () => (/* reexport */ FINISH_SCRIPT),
  FrontendDeployFailedError: () => (/* reexport */ FrontendDeployFailedError),
  FrontendRollbackFailedError: () => (/* reexport */ FrontendRollbackFailedError),
  GatedScript: () => (/* reexport */ GatedScript),
  HEARTBEAT_SCRIPT: () => (/* reexport */ HEARTBEAT_SCRIPT),
  LIST_SCRIPT: () => (/* reexport */ LIST_SCRIPT),
  NGINX_COMMAND_TIMEOUT_MS: () => (/* reexport */ NGINX_COMMAND_TIMEOUT_MS),
  NGINX_INSTALL_SCRIPT: () => (/* reexport */ NGINX_INSTALL_SCRIPT),
  NGINX_REINSTALL_SCRIPT: () => (/* reexport */ NGINX_REINSTALL_SCRIPT),
  NGINX_RESTORE_SCRIPT: () => (/* reexport */ NGINX_RESTORE_SCRIPT),
  PLAN_PATH_LIMIT: () => (/* reexport */ PLAN_PATH_LIMIT),
  PLAN_SCRIPT: () => (/* reexport */ PLAN_SCRIPT),
  RECORDS_DIR: () => (/* reexport */ RECORDS_DIR),
  RECORD_DIGEST: () => (/* reexport */ RECORD_DIGEST),
  RECORD_INFO: () => (/* reexport */ RECORD_INFO),
  RECORD_MANIFEST: () => (/* reexport */ RECORD_MANIFEST),
  RECORD_NGINX_CONFIG: () => (/* reexport */ RECORD_NGINX_CONFIG),
  RECORD_NGINX_CONFIG_PATH: () => (/* reexport */ RECORD_NGINX_CONFIG_PATH),
  RECORD_STAT: () => (/* reexport */ RECORD_STAT),
  RELEASE_DRIFT_SCRIPT: () => (/* reexport */ RELEASE_DRIFT_SCRIPT),
  RELEASE_INFO_FILE: () => (/* reexport */ RELEASE_INFO_FILE),
  RELEASE_MANIFEST_FILE: () => (/* reexport */ RELEASE_MANIFEST_FILE),
  REVERT_SCRIPT: () => (/* reexport */ REVERT_SCRIPT),
  ReleaseHostError: () => (/* reexport */ ReleaseHostError),
  ReleaseRollbackRefusedError: () => (/* reexport */ ReleaseRollbackRefusedError),
  SWITCH_SCRIPT: () => (/* reexport */ SWITCH_SCRIPT),
  SourceError: () => (/* reexport */ SourceError),
  TargetLock: () => (/* reexport */ TargetLock),
  UPLOAD_SCRIPT: () => (/* reexport */ UPLOAD_SCRIPT),
  WRITE_INFO_SCRIPT: () => (/* reexport */ WRITE_INFO_SCRIPT),
  asFoundOnServer: () => (/* reexport */ asFoundOnServer),
  chooseRelease: () => (/* reexport */ chooseRelease),
  completeSwitch: () => (/* reexport */ completeSwitch),
  completeUpload: () => (/* reexport */ completeUpload),
  deployFrontend: () => (/* reexport */ deployFrontend),
  describeDrift: () => (/* reexport */ describeDrift),
  entryHeader: () => (/* reexport */ entryHeader),
  freeLocksLeftBehind: () => (/* reexport */ freeLocksLeftBehind),
  frontendPlanBlockers: () => (/* reexport */ frontendPlanBlockers),
  frontendPlanMarkdown: () => (/* reexport */ frontendPlanMarkdown),
  gated: () => (/* reexport */ gated),
  hostPlan: () => (/* reexport */ hostPlan),
  installNginxConfig: () => (/* reexport */ installNginxConfig),
  listReleases: () => (/* reexport */ listReleases),
  lockCleanupMarkdown: () => (/* reexport */ lockCleanupMarkdown),
  manifestDigest: () => (/* reexport */ manifestDigest),
  manifestTotals: () => (/* reexport */ manifestTotals),
  markReleaseFailed: () => (/* reexport */ markReleaseFailed),
  onAnySession: () => (/* reexport */ onAnySession),
  openSwitch: () => (/* reexport */ openSwitch),
  openUpload: () => (/* reexport */ openUpload),
  parseManifest: () => (/* reexport */ parseManifest),
  parseRecords: () => (/* reexport */ parseRecords),
  parseReleaseInfo: () => (/* reexport */ parseReleaseInfo),
  planDelta: () => (/* reexport */ planDelta),
  planFrontend: () => (/* reexport */ planFrontend),
  putBack: () => (/* reexport */ putBack),
  readLiveRelease: () => (/* reexport */ readLiveRelease),
  reinstallNginxConfig: () => (/* reexport */ reinstallNginxConfig),
  releaseDrift: () => (/* reexport */ releaseDrift),
  releaseIdFromLink: () => (/* reexport */ releaseIdFromLink),
  releaseLockAnyhow: () => (/* reexport */ releaseLockAnyhow),
  releaseOrigin: () => (/* reexport */ releaseOrigin),
  releasePath: () => (/* reexport */ releasePath),
  releaseStream: () => (/* reexport */ releaseStream),
  releasesToPrune: () => (/* reexport */ releasesToPrune),
  rememberDeployLock: () => (/* reexport */ rememberDeployLock),
  renderNginxConfig: () => (/* reexport */ renderNginxConfig),
  renderSiteConfig: () => (/* reexport */ renderSiteConfig),
  resolveInBuild: () => (/* reexport */ resolveInBuild),
  restoreNginxConfig: () => (/* reexport */ restoreNginxConfig),
  revertSwitch: () => (/* reexport */ revertSwitch),
  rollbackFrontend: () => (/* reexport */ rollbackFrontend),
  sameManifest: () => (/* reexport */ sameManifest),
  scanSource: () => (/* reexport */ scanSource),
  scannedContent: () => (/* reexport */ scannedContent),
  serializeManifest: () => (/* reexport */ serializeManifest),
  serializeReleaseInfo: () => (/* reexport */ serializeReleaseInfo),
  sha256File: () => (/* reexport */ sha256File),
  sortReleasesNewestFirst: () => (/* reexport */ sortReleasesNewestFirst),
  startUpload: () => (/* reexport */ startUpload),
  switchEveryHost: () => (/* reexport */ switchEveryHost),
  switchRelease: () => (/* reexport */ switchRelease),
  tarChunks: () => (/* reexport */ tarChunks),
  withReleaseHosts: () => (/* reexport */ withReleaseHosts),
  writeReleaseInfo: () => (/* reexport */ writeReleaseInfo)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: ../../packages/reporting/src/value-description.ts
var value_description = __webpack_require__(3277);
// EXTERNAL MODULE: ../../packages/reporting/src/reported-error.ts
var reported_error = __webpack_require__(4171);
;// CONCATENATED MODULE: ../../packages/releases/src/errors.ts

/**
 * Every error the frontend release flow throws. Before anything changed on a host: `SourceError`,
 * `ReleaseHostError`, `ReleaseRollbackRefusedError` (plain errors, no report). After: the
 * `ReportedError`s `FrontendDeployFailedError` and `FrontendRollbackFailedError`, whose report says
 * what each host serves and why it failed, for the action's outputs and job summary.
 */
/** The build directory cannot become a release (missing, unreadable, a link out of the tree, ...). */
class SourceError extends Error {
    constructor(message) {
        super(message);
        this.name = 'SourceError';
    }
}
/** One step on one host failed; `host` is its `hostLabel` ('' when the failure is not one host's). */
class ReleaseHostError extends Error {
    host;
    constructor(host, message) {
        super(message);
        this.host = host;
        this.name = 'ReleaseHostError';
    }
}
/** A rollback that cannot proceed; raised before any host changed. */
class ReleaseRollbackRefusedError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ReleaseRollbackRefusedError';
    }
}
/**
 * The deploy failed on some host after it began (locks taken, files sent, perhaps switched and put
 * back): the report says, per host, its outcome, what it serves now and why it failed.
 */
class FrontendDeployFailedError extends reported_error/* ReportedError */.S {
    constructor(message, report) {
        super(message, report);
        this.name = 'FrontendDeployFailedError';
    }
}
/**
 * The rollback failed after hosts were locked and chosen for (a switch or a reload failed, or the
 * release rolled back from could not be marked failed): the report has every host's outcome.
 */
class FrontendRollbackFailedError extends reported_error/* ReportedError */.S {
    constructor(message, report) {
        super(message, report);
        this.name = 'FrontendRollbackFailedError';
    }
}

;// CONCATENATED MODULE: ../../packages/releases/src/manifest.ts







/**
 * Where releases built before the records moved out of the served tree kept them (see RECORDS_DIR).
 * A build may not contain them at its top: the next deploy moves these names out of old releases.
 */
const RELEASE_INFO_FILE = '.release.json';
/** Where releases built before the records moved kept their manifest, at the release's top (see RECORDS_DIR). */
const RELEASE_MANIFEST_FILE = '.release-manifest.json';
const RESERVED_NAMES = new Set([RELEASE_INFO_FILE, RELEASE_MANIFEST_FILE]);
/**
 * Control characters (C0, DEL, C1), which no name of a web site needs: a name holding one (a line
 * break, a carriage return) reads as two lines or as other text in every log, plan and review
 * that lists it, so a build could show reviewers one thing and serve another.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** Files up to this size are read whole while hashing, and kept (within CACHE_BUDGET) for sending. */
const SMALL_FILE = 256 * 1024;
const CACHE_BUDGET = 128 * 1024 * 1024;
/**
 * The bytes of small files as they were hashed, per scanned manifest. Sending these (instead of
 * reading the file again) means the archive holds exactly what the manifest describes, and a
 * site of 50,000 tiny files is read once rather than twice.
 */
const scannedContents = new WeakMap();
/**
 * The content of a small file kept while the build was scanned, or undefined when the file is read again from disk when
 * sent.
 */
function scannedContent(manifest, path) {
    return scannedContents.get(manifest)?.get(path);
}
/** The SHA-256 of a file as 64 lower-case hex characters, read in 1 MiB chunks. */
async function sha256File(path) {
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for await (const chunk of (0,external_node_fs_.createReadStream)(path, { highWaterMark: 1 << 20 }))
        hash.update(chunk);
    return hash.digest('hex');
}
/** The most links the kernel follows in one path lookup before ELOOP (Linux's MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;
/**
 * Where a path inside the build finally leads, resolved as the kernel resolves it on the server:
 * every link met along the way is followed (relative to the directory holding it) and `..` applies
 * to the directory reached so far, not to the text. `links` maps each symlink of the build to its
 * target. The walk leaves the build (an absolute target, `..` above the root) or loops (more than
 * MAX_LINK_HOPS links, Linux's limit): on the server the build's root is the release's directory,
 * and above it are other releases and the host.
 */
function resolveInBuild(start, target, links) {
    const dir = [...start];
    const pending = target.split('/');
    if (target.length === 0 || external_node_path_.posix.isAbsolute(target))
        return { kind: 'outside' };
    const followed = [];
    while (pending.length > 0) {
        const part = pending.shift();
        if (part === '' || part === '.')
            continue;
        if (part === '..') {
            if (dir.length === 0)
                return { kind: 'outside' };
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
        if (followed.length > MAX_LINK_HOPS)
            return { kind: 'loop', links: [...new Set(followed)] };
        if (next.length === 0 || external_node_path_.posix.isAbsolute(next))
            return { kind: 'outside' };
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
function checkLinksStayInside(links) {
    for (const [path, target] of links) {
        const resolution = resolveInBuild(external_node_path_.posix.dirname(path) === '.' ? [] : external_node_path_.posix.dirname(path).split('/'), target, links);
        if (resolution.kind === 'inside')
            continue;
        if (resolution.kind === 'loop') {
            const chain = resolution.links.map((link) => `"${link}" -> "${links.get(link)}"`).join(', ');
            throw new SourceError(`Symlink "${path}" is a loop: resolving it follows more than ${MAX_LINK_HOPS} links (as the server's kernel would, before failing with ELOOP) through ${chain}; fix or remove these links`);
        }
        throw new SourceError(`Symlink "${path}" points outside the build (to "${target}", followed through the build's other links); only links that resolve inside the source are deployed`);
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
 * blocking read each is several times faster than a round of thread-pool hops. The scan yields to
 * the event loop every YIELD_AFTER_MS, so connections made meanwhile progress.
 * Throws SourceError for a root that is not a directory, a reserved name at the top, an entry
 * that is neither file, directory nor symlink, and a name with a control character
 * (CONTROL_CHARACTER), naming the path: before any host is touched.
 */
async function scanSource(root) {
    let rootStat;
    try {
        rootStat = await (0,promises_.lstat)(root);
    }
    catch {
        throw new SourceError(`Input "source" names ${(0,value_description/* describeValue */.bp)(root)}, which does not exist`);
    }
    if (!rootStat.isDirectory())
        throw new SourceError(`Input "source" must be a directory, but "${root}" is not one`);
    const entries = [];
    const largeFiles = [];
    const contents = new Map();
    const links = new Map();
    let cached = 0;
    let ranSince = external_node_perf_hooks_.performance.now();
    const walk = async (relative) => {
        for (const name of (0,external_node_fs_.readdirSync)(relative ? (0,external_node_path_.join)(root, relative) : root)) {
            if (external_node_perf_hooks_.performance.now() - ranSince > YIELD_AFTER_MS) {
                await new Promise((resolve) => setImmediate(resolve));
                ranSince = external_node_perf_hooks_.performance.now();
            }
            const path = relative ? `${relative}/${name}` : name;
            if (CONTROL_CHARACTER.test(name)) {
                throw new SourceError(`The source contains ${(0,value_description/* describeValue */.bp)(path)}, a name with a control character: rename it (a site's names never need one, and a plan or log could not show it as it is)`);
            }
            if (!relative && RESERVED_NAMES.has(name)) {
                throw new SourceError(`The source contains "${name}", a name the deploy reserves for its own release record`);
            }
            const absolute = (0,external_node_path_.join)(root, path);
            const stat = (0,external_node_fs_.lstatSync)(absolute);
            if (stat.isDirectory()) {
                entries.push({ type: 'dir', path, mode: stat.mode & 0o7777 });
                await walk(path);
            }
            else if (stat.isFile()) {
                const file = {
                    type: 'file',
                    path,
                    size: stat.size,
                    mode: stat.mode & 0o7777,
                    sha256: '',
                    mtime: Math.floor(stat.mtimeMs / 1000),
                };
                entries.push(file);
                if (stat.size <= SMALL_FILE) {
                    const data = (0,external_node_fs_.readFileSync)(absolute);
                    file.size = data.length;
                    file.sha256 = (0,external_node_crypto_.createHash)('sha256').update(data).digest('hex');
                    if (cached + data.length <= CACHE_BUDGET) {
                        contents.set(path, data);
                        cached += data.length;
                    }
                }
                else {
                    largeFiles.push(file);
                }
            }
            else if (stat.isSymbolicLink()) {
                const target = (0,external_node_fs_.readlinkSync)(absolute);
                links.set(path, target);
                entries.push({ type: 'symlink', path, target });
            }
            else {
                throw new SourceError(`The source contains "${path}", which is neither a file, a directory nor a symlink`);
            }
        }
    };
    await walk('');
    checkLinksStayInside(links);
    if (entries.length === 0)
        throw new SourceError(`Input "source" names ${(0,value_description/* describeValue */.bp)(root)}, which is empty: there is nothing to deploy`);
    await Promise.all(largeFiles.map(async (file) => {
        file.sha256 = await sha256File((0,external_node_path_.join)(root, file.path));
    }));
    entries.sort((a, b) => compareBytes(a.path, b.path));
    const manifest = { version: 1, entries };
    scannedContents.set(manifest, contents);
    return manifest;
}
/** Byte order, not locale order: the same tree must give the same manifest everywhere. */
function compareBytes(a, b) {
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
/**
 * The digest of what a manifest says a release serves: sha256 (hex) over every entry's path, type,
 * mode, size and content hash, or link target, in manifest order. Modification times are left out:
 * a fresh checkout of the same commit has new ones and the same site. Two manifests with the same
 * digest describe byte-identical releases, so a host that recorded it can answer "same as this
 * release" in 64 bytes instead of sending its whole manifest back.
 */
function manifestDigest(manifest) {
    const known = digests.get(manifest);
    if (known !== undefined)
        return known;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    for (const entry of manifest.entries) {
        // NUL never occurs in a path or link target: the fields cannot run into one another.
        const fields = entry.type === 'file'
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
const digests = new WeakMap();
/** The manifest as compact JSON: the form written into the release's records. */
function serializeManifest(manifest) {
    return JSON.stringify(manifest);
}
/**
 * A manifest read back from a host; undefined when the text is not a version 1 manifest (damaged, or written by another
 * tool). Never throws.
 */
function parseManifest(text) {
    try {
        const value = JSON.parse(text);
        if (value?.version !== 1 || !Array.isArray(value.entries))
            return undefined;
        return value;
    }
    catch {
        return undefined;
    }
}
/** Counts the manifest's regular files and sums their sizes (bytes). */
function manifestTotals(manifest) {
    let files = 0;
    let bytes = 0;
    for (const entry of manifest.entries) {
        if (entry.type !== 'file')
            continue;
        files += 1;
        bytes += entry.size;
    }
    return { files, bytes };
}

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
    return a !== undefined && b !== undefined && manifestDigest(a) === manifestDigest(b);
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

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
// EXTERNAL MODULE: external "node:zlib"
var external_node_zlib_ = __webpack_require__(8522);
;// CONCATENATED MODULE: ../../packages/releases/src/remote-scripts.ts
/**
 * The remote half of a release, as POSIX sh scripts. Every value reaches them as a positional
 * argument ("$1" ...) or on stdin, never spliced into the script text, so no target path, release
 * id or file name can become shell syntax. Scripts print `key NUL value NUL` records on stdout.
 *
 * Layout under the target: releases/<id>/ (complete releases, nothing but the build),
 * releases/.<id>.partial/ (one being built), current -> releases/<id>, .deploy/records/<id>/ (each
 * release's record, manifest, file stats and the site config it went live with), .deploy/lock/ (owner, heartbeat), .deploy/nginx-*,
 * .deploy/current.before (the link the last switch replaced). Scratch names start with a dot;
 * release ids never do.
 */
/**
 * Gated scripts are started (their channel opened, the command sent) before they are needed, and
 * wait for a `go` line on stdin: the round trips of opening a channel overlap earlier work. Without
 * `go` (stdin closed) they exit having done nothing. `read` takes exactly one line from a pipe,
 * so what follows it on stdin (an archive) is left for the script.
 */
const GATE = `IFS= read -r gate || exit 0
[ "$gate" = go ] || exit 0
`;
/**
 * `script` changed to wait for a `go` line on stdin before doing anything (see GATE), so its channel can be opened
 * ahead of time.
 */
function gated(script) {
    return script.replace(PRELUDE, PRELUDE + GATE);
}
/** Exit codes the client tells apart. */
const EXIT = {
    lockTimeout: 75,
    notSymlink: 76,
    missingRelease: 77,
    reloadFailed: 78,
    nginxTest: 79,
    buildFailed: 80,
};
/**
 * Where a release's records live, relative to the target: beside the served tree, never in it
 * (`root .../current;` would publish them). Releases built before this layout carry them inside
 * as `.release.json` and `.release-manifest.json`; the next deploy moves them here.
 */
const RECORDS_DIR = '.deploy/records';
/** The release's record file name (see ReleaseInfo) in its records directory. */
const RECORD_INFO = 'release.json';
/** The release's manifest file name in its records directory. */
const RECORD_MANIFEST = 'manifest.json';
/**
 * The release manifest's digest (manifestDigest, 64 hex characters), written beside it: the deploy
 * compares it on the host with its own build's, and reads a manifest back only when they differ.
 */
const RECORD_DIGEST = 'manifest.sha256';
/**
 * Every release file as `size mode mtime inode ctime path` (NUL-ended, sorted), taken right after the
 * release was built. The change time is there because utimes(2) can put back a file's mtime after an
 * in-place edit of the same length, but not its ctime (the kernel sets it on every change, see
 * inode(7)). Unchanged files are hard links shared by every release that kept them, so an edit made
 * through any of them (an older release's path included) changes the one inode, and with it the
 * stat every sharing release sees. ctime also moves when a hard link to the file is made or removed
 * (the next release, a prune), so a file whose stat differs is only a candidate: it is hashed, and
 * the client counts it as drift when its bytes or mode are not the release's.
 */
const RECORD_STAT = 'file-stat';
const STAT_FORMAT = '%s %m %T@ %i %C@ %P\\0';
/**
 * Drift: a file of release $1 (records in $2) whose size, mode, mtime, inode or ctime is not what was
 * recorded when it was written (edited, touched, replaced or removed on the server, or linked
 * again) is reported as "$3 <path>", then "$3-now <sha256 size mode>" (empty when it is gone, is
 * no longer a regular file or cannot be read). A release without that record (built before it was
 * kept, or with an older one lacking ctime, which cannot see an edit whose mtime was put back) has
 * every file hashed, announced by "$3-full": the client then counts a file of the manifest not
 * reported as gone. Cost: one read of the candidates, at most the release's bytes, on the server,
 * under the lock. The candidates are read in batches (one find, one sha256sum per batch of
 * xargs, one awk to pair them up), never a process per file: after a prune every file the release
 * shared with the pruned one is a candidate (see RECORD_STAT). Paths travel NUL-ended throughout,
 * as "./<path>" so none reads as an option or a find expression.
 */
const DRIFT_PAIRS = `BEGIN { RS = "\\0"; key = ENVIRON["DRIFT_KEY"] }
/^C/ { n++; asked[n] = substr($0, 2); next }
/^S/ {
  s = substr($0, 2); i = index(s, " "); size = substr(s, 1, i - 1); s = substr(s, i + 1)
  i = index(s, " "); kept[substr(s, i + 1)] = size " " substr(s, 1, i - 1); next
}
{ hash[substr($0, 67)] = substr($0, 1, 64) }
END {
  for (i = 1; i <= n; i++) {
    p = asked[i]; now = ""
    if ((p in kept) && (p in hash)) now = hash[p] " " kept[p]
    printf "%s%c%s%c%s-now%c%s%c", key, 0, substr(p, 3), 0, key, 0, now, 0
  }
}`;
const REPORT_DRIFT = `report_drift() {
  [ -f "$2/${RECORD_STAT}" ] || record "$3-full" yes
  if [ -f "$2/${RECORD_STAT}" ]; then
    find "$1/" -type f -printf '${STAT_FORMAT}' | sort -z | comm -z -3 "$2/${RECORD_STAT}" - |
      sed -z 's/^\\t//' | cut -z -d ' ' -f 6- | sort -zu
  else
    find "$1/" -type f -printf '%P\\0'
  fi | sed -z 's|^|./|' | (cd "$1" && xargs -0 -r sh -c '
      for f; do printf "C%s\\0" "$f"; done
      find "$@" -maxdepth 0 -type f -printf "S%s %m %p\\0" -exec sha256sum -z -- {} + 2>/dev/null
      exit 0' drift) | DRIFT_KEY=$3 awk '${DRIFT_PAIRS}'
}
`;
const PRELUDE = `set -eu
record() { printf '%s\\0%s\\0' "$1" "$2"; }
# Whether the release whose records are in $1 has the manifest digest $DIGEST (never when none is given).
same_manifest() { [ -n "\${DIGEST:-}" ] && [ "$(cat "$1/${RECORD_DIGEST}" 2>/dev/null || true)" = "$DIGEST" ]; }
# Puts back the site config at $1 that the last config install replaced (run in the target directory).
restore_config() {
  if [ -e .deploy/nginx-config.backup ]; then cat .deploy/nginx-config.backup > "$1"
  elif [ -e .deploy/nginx-config.absent ]; then rm -f "$1"; fi
}
# A file as a record's value without holding it in a variable (manifests can be megabytes).
record_file() { printf '%s\\0' "$1"; cat "$2" 2>/dev/null || true; printf '\\0'; }
token_of() { sed -n 's/^token=//p' "$1/owner" 2>/dev/null || true; }
free_kib() { df -Pk . 2>/dev/null | awk 'NR == 2 { print $4 }' || true; }
# Failures the script did not foresee (a full disk, a read-only file system) end with how much space there is.
space_note() { [ "$1" -ge 64 ] || printf 'free space in %s: %s KiB\\n' "$PWD" "$(free_kib)" >&2; }
# Runs a user command ($2, named $1 in errors) for at most $BOUND seconds, so a command that never
# ends cannot hold the deploy and its lock forever; on failure $command_error holds its words and
# exit status, or that it timed out. GNU timeout signals the command's whole process group (a
# \`sh -c\` and what it started); -k: KILL 5 s later for a command that ignores TERM.
run_bounded() {
  command_error=
  set +e
  output=$(timeout -k 5 "$BOUND" sh -c "$2" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    command_error="the $1 command timed out: $2 did not finish within $BOUND s\${output:+: $output}"
  elif [ "$rc" -ne 0 ]; then
    command_error="the $1 command exited with status $rc\${output:+: $output}"
  fi
}
`;
/** Reads every release and its record (a release built before the records moved has them inside). */
const LIST_RELEASES = `for dir in releases/*; do
  [ -d "$dir" ] || continue
  id=\${dir#releases/}
  record release "$id"
  if [ -d "${RECORDS_DIR}/$id" ]; then record_file release-info "${RECORDS_DIR}/$id/${RECORD_INFO}"
  else record_file release-info "$dir/.release.json"; fi
done
`;
/**
 * Commands the switch and its revert need beyond POSIX sh and coreutils: flock(1), from util-linux,
 * holds SWITCH_LOCK. Checked when the lock is taken, so a host without one fails before any host
 * switches, with an error naming the command, never halfway through a switch.
 */
const REQUIRE_COMMANDS = `for required in flock; do
  command -v "$required" >/dev/null 2>&1 && continue
  printf 'this host has no %s command, which the deploy needs to switch releases safely: install util-linux (see "Host setup" in the action README)\\n' "$required" >&2
  exit 1
done`;
/**
 * How a release is built on the host, shared by the upload and by a lock that clones a kept release
 * (see BEGIN_SCRIPT). Need $ID, $P (releases/.<id>.partial) and $R (its records' partial directory);
 * run in the target directory. clone_release hard-links kept release $1 whole into $P (\`cp -al\`, one
 * process) and copies its manifest and digest into $R; stat_release records the stat of every file
 * of $P as written (RECORD_STAT); place_release renames both into place, so a release directory
 * without the dot is always complete and has its records. The first two print their failure's words.
 */
const BUILD_RELEASE = `clone_release() {
  cp -al "releases/$1" "$P" 2>&1 &&
    cp -p "${RECORDS_DIR}/$1/${RECORD_MANIFEST}" "${RECORDS_DIR}/$1/${RECORD_DIGEST}" "$R/" 2>&1
}
stat_release() {
  find "$P/" -type f -printf '${STAT_FORMAT}' 2>&1 > "$R/stat.all" &&
    sort -z -o "$R/${RECORD_STAT}" "$R/stat.all" 2>&1 && rm -f "$R/stat.all"
}
place_release() {
  rm -rf "releases/$ID" "${RECORDS_DIR}/$ID"
  mv "$R" "${RECORDS_DIR}/$ID"
  mv "$P" "releases/$ID"
}
`;
/**
 * Takes the lock (mkdir is atomic), waiting up to $2 seconds for a live holder. A holder whose
 * heartbeat is older than the timeout (and at least 3 s) is gone (a killed runner) and its lock is taken over.
 * A lock directory that cannot be made although nobody holds it is an error at once (a read-only or
 * unwritable target), never a wait. Then, still under the lock: removes what interrupted runs left,
 * moves records out of releases built before they lived beside them, and reports what the deploy
 * needs to plan: the live release, its manifest, files of it changed on the server since it was
 * built (with their hash now), the manifest and changed files of a release already built under this
 * id, and every release's record. Any failure after the lock was taken frees it again.
 * A manifest whose recorded digest is the build's ($4, see RECORD_DIGEST) is not sent back: only
 * \`current-same\` or \`existing-same\`. When the live release is not the build, the newest kept
 * release that is (by when its file stats were recorded: the one least likely to have been linked
 * since) is named as \`match\` with its drift (\`match-drift\`): the deploy can clone it whole, so
 * a redeploy after a rollback sends no file again. Without a match, each kept release built after
 * the live one (the live one was rolled back to) is reported as \`newer\` with its manifest and
 * drift, so files only it holds are linked, not sent; in the usual flow the live release is the
 * newest and nothing more is read.
 * A live manifest whose recorded digest is $6 (the digest of a manifest the runner kept from an
 * earlier deploy to this target, see TargetLock.acquire's \`known\`) is not sent back either: only
 * \`current-known\`, and the deploy uses the copy it holds.
 * When that release (the live one or the match) has no file whose stat moved since it was built, and
 * the new release's record is given ($7), the release is cloned here as the upload would clone it
 * (see BUILD_RELEASE) and \`cloned <from>\` is recorded: a redeploy of a kept build needs no upload
 * channel and no round trip of its own.
 * args: target, timeout seconds, release id, the build's manifest digest (may be empty), the owner
 * record (run, host, time, token), a kept manifest's digest (may be empty), the new release's record
 * (JSON, may be empty: no clone). The owner and record are arguments, not stdin: the script starts on
 * the exec request itself, a round trip before stdin could reach it.
 */
const BEGIN_SCRIPT = `${PRELUDE}
T=$1; TIMEOUT=$2; ID=$3; DIGEST=\${4:-}; owner=$5; KNOWN=\${6:-}; INFO=\${7:-}
# The heartbeat beats every second: younger than 3 s is alive whatever the timeout.
STALE=$TIMEOUT
[ "$STALE" -ge 3 ] || STALE=3
${REQUIRE_COMMANDS}
mkdir -p "$T/releases" "$T/${RECORDS_DIR}"
cd "$T"
L=.deploy/lock
locked=
${REPORT_DRIFT}
${BUILD_RELEASE}
# report_drift, noting in $unchanged whether no file of the release was even a candidate.
report_drift_noting() {
  report_drift "$@" > "$L/drift"
  unchanged=
  [ -s "$L/drift" ] || unchanged=yes
  cat "$L/drift"
  rm -f "$L/drift"
}
FROM=
trap 'rc=$?; [ -z "$locked" ] || [ "$rc" -eq 0 ] || rm -rf "$L"; [ "$rc" -eq 0 ] || space_note "$rc"' EXIT
start=$(date +%s)
while :; do
  if err=$(mkdir "$L" 2>&1); then
    locked=yes
    printf '%s\\n' "$owner" > "$L/owner"
    date +%s > "$L/heartbeat"
    break
  fi
  if [ ! -d "$L" ]; then
    printf 'cannot take the deploy lock %s/%s: %s\\n' "$T" "$L" "$err" >&2
    exit 1
  fi
  now=$(date +%s)
  holder=$(cat "$L/owner" 2>/dev/null || true)
  beat=$(cat "$L/heartbeat" 2>/dev/null || true)
  case $beat in ''|*[!0-9]*) beat=$start ;; esac
  if [ $((now - beat)) -ge "$STALE" ]; then
    stale="$L.stale.$$"
    if mv "$L" "$stale" 2>/dev/null; then
      if [ "$(cat "$stale/owner" 2>/dev/null || true)" = "$holder" ]; then
        rm -rf "$stale"
        record took-over "$holder"
      else
        mv "$stale" "$L" 2>/dev/null || rm -rf "$stale"
      fi
      continue
    fi
  fi
  if [ $((now - start)) -ge "$TIMEOUT" ]; then
    printf '%s' "$holder" >&2
    exit ${EXIT.lockTimeout}
  fi
  sleep 1
done
live=
if [ -e current ] || [ -L current ]; then
  if [ ! -L current ]; then
    echo "$T/current exists and is not a symlink; move it away once so releases can be switched atomically" >&2
    exit ${EXIT.notSymlink}
  fi
  live=$(readlink current)
  record current "$live"
fi
for partial in releases/.*.partial ${RECORDS_DIR}/.*.partial; do
  [ -e "$partial" ] || continue
  # A live release is never debris, whatever its name (ids were not always kept apart from scratch names).
  [ "$partial" != "$live" ] || continue
  rm -rf "$partial"
  case $partial in releases/*) record cleaned "\${partial#releases/}" ;; esac
done
rm -f current.tmp
for dir in releases/*; do
  [ -d "$dir" ] || continue
  id=\${dir#releases/}
  if [ -f "$dir/.release.json" ] && [ ! -d "${RECORDS_DIR}/$id" ]; then
    R="${RECORDS_DIR}/.$id.partial"
    mkdir -p "$R"
    mv "$dir/.release.json" "$R/${RECORD_INFO}"
    if [ -f "$dir/.release-manifest.json" ]; then mv "$dir/.release-manifest.json" "$R/${RECORD_MANIFEST}"; fi
    mv "$R" "${RECORDS_DIR}/$id"
    record migrated "$id"
  fi
done
for rec in ${RECORDS_DIR}/*; do
  [ -d "$rec" ] || continue
  [ -d "releases/\${rec##*/}" ] || rm -rf "$rec"
done
LR=
case $live in releases/*/*) ;; releases/?*) LR="${RECORDS_DIR}/\${live#releases/}" ;; esac
found=
if [ -n "$LR" ] && same_manifest "$LR"; then found=yes; fi
if [ -n "$ID" ] && [ -f "${RECORDS_DIR}/$ID/${RECORD_MANIFEST}" ]; then
  if same_manifest "${RECORDS_DIR}/$ID"; then record existing-same yes; found=yes
  else record_file existing-manifest "${RECORDS_DIR}/$ID/${RECORD_MANIFEST}"; fi
  [ "releases/$ID" = "$live" ] || report_drift "releases/$ID" "${RECORDS_DIR}/$ID" existing-drift
fi
match=
newer=
if [ -n "$DIGEST" ] && [ -z "$found" ]; then
  seen_live=
  for R in $(find ${RECORDS_DIR} -mindepth 2 -maxdepth 2 -name ${RECORD_STAT} -printf '%T@ %h\\n' | sort -rn | cut -d ' ' -f 2); do
    id=\${R##*/}
    case $id in .*) continue ;; esac
    [ -d "releases/$id" ] || continue
    if same_manifest "$R"; then
      match=$id
      record match "$id"
      report_drift_noting "releases/$id" "$R" match-drift
      [ -z "$unchanged" ] || FROM=$id
      break
    fi
    if [ "releases/$id" = "$live" ]; then seen_live=yes
    elif [ -z "$seen_live" ] && [ "$id" != "$ID" ] && [ -f "$R/${RECORD_MANIFEST}" ]; then newer="$newer $id"; fi
  done
fi
# With a match the live release is not linked from: neither its manifest nor its drift is needed.
if [ -n "$LR" ] && [ -z "$match" ]; then
  same=
  if same_manifest "$LR"; then record current-same yes; same=yes
  elif [ -n "$KNOWN" ] && [ "$(cat "$LR/${RECORD_DIGEST}" 2>/dev/null || true)" = "$KNOWN" ]; then record current-known yes
  elif [ -f "$LR/${RECORD_MANIFEST}" ]; then record_file current-manifest "$LR/${RECORD_MANIFEST}"; fi
  report_drift_noting "$live" "$LR" drift
  [ -z "$same" ] || [ -z "$unchanged" ] || FROM=\${live#releases/}
fi
# The build is a kept release none of whose files changed: with the new release's record ($INFO) it is
# cloned now, under the lock, so that the deploy needs no upload. A clone that fails (a full disk)
# leaves nothing behind and no \`cloned\`: the deploy then uploads, and reports the failure as such.
if [ -n "$FROM" ] && [ -n "$INFO" ] && [ -n "$ID" ] && [ ! -e "releases/$ID" ] && [ "$FROM" != "$ID" ]; then
  P="releases/.$ID.partial"
  R="${RECORDS_DIR}/.$ID.partial"
  rm -rf "$P" "$R"
  if mkdir -p "$R" && printf '%s' "$INFO" > "$R/${RECORD_INFO}" && clone_release "$FROM" >/dev/null &&
    stat_release >/dev/null; then
    place_release
    record cloned "$FROM"
  else
    rm -rf "$P" "$R"
  fi
fi
# Releases built after the live one (it was rolled back to): their new files can be linked too.
if [ -z "$match" ]; then
  for id in $newer; do
    record newer "$id"
    record_file newer-manifest "${RECORDS_DIR}/$id/${RECORD_MANIFEST}"
    report_drift "releases/$id" "${RECORDS_DIR}/$id" "newer-drift:$id"
  done
fi
${LIST_RELEASES}
trap - EXIT
`;
/**
 * Keeps the lock's heartbeat fresh for as long as the client holds this channel open. When the
 * client goes away (finished, or killed) sshd closes stdin, \`cat\` returns and the beating stops,
 * so the lock goes stale on its own. A beat that cannot be written (a full disk) is skipped, not fatal.
 * args: lock dir, token.
 */
const HEARTBEAT_SCRIPT = `${PRELUDE}
L=$1; TOKEN=$2
(
  while [ "$(token_of "$L")" = "$TOKEN" ]; do
    date +%s > "$L/heartbeat" 2>/dev/null || true
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
beater=$!
cat > /dev/null
kill "$beater" 2>/dev/null || true
`;
/**
 * Builds the release from the archive on stdin into releases/.<id>.partial and its records into
 * ${RECORDS_DIR}/.<id>.partial (tar makes the hard links to the live release itself), records every
 * file's stat (RECORD_STAT) as written, then renames both into place: a release directory without the
 * dot is always complete and has its records. A failed build removes what it wrote and reports the
 * free space left. The first line of stdin names a kept release to clone (empty: none): one whose
 * manifest is the build's and none of whose files changed on the server. Its tree is then hard-linked
 * whole (\`cp -al\`, one process) and its manifest and digest copied, and the archive carries only
 * the new release's record: a redeploy of the same build sends no file and no manifest.
 * args: target, release id.
 */
const UPLOAD_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
${BUILD_RELEASE}
IFS= read -r FROM || FROM=
case $FROM in
  '') ;;
  .*|*/*) echo "cannot clone release '$FROM': not a release id" >&2; exit 1 ;;
esac
P="releases/.$ID.partial"
R="${RECORDS_DIR}/.$ID.partial"
rm -rf "$P" "$R"
if ! err=$(tar -xzf - --no-same-owner -p 2>&1) ||
  { [ -n "$FROM" ] && ! err=$(clone_release "$FROM"); } ||
  [ ! -d "$P" ] || [ ! -d "$R" ] || ! err=$(stat_release); then
  rm -rf "$P" "$R"
  record available-kib "$(free_kib)"
  printf '%s\\n' "\${err:-the release archive did not contain $P and $R}" >&2
  exit ${EXIT.buildFailed}
fi
place_release
record built "$ID"
`;
/** Rewrites a release's record (e.g. to mark it failed). args: target, release id; stdin: the JSON. */
const WRITE_INFO_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
R="${RECORDS_DIR}/$ID"
mkdir -p "$R"
cat > "$R/${RECORD_INFO}.tmp"
mv -f "$R/${RECORD_INFO}.tmp" "$R/${RECORD_INFO}"
`;
/**
 * Where a release lives: `<target>/releases/<id>`, the directory `current` links to while it is
 * live (the layout above). The one place a release path is built.
 */
function releasePath(target, releaseId) {
    return `${target}/releases/${releaseId}`;
}
/**
 * The switch's critical section: SWITCH_SCRIPT holds this flock(1) lock while it moves \`current\`,
 * REVERT_SCRIPT while it puts it back, so a revert never looks at \`current\` while a switch whose
 * client is gone (a cancelled run) is still landing: the revert waits for it, then undoes it too.
 * The kernel frees it when the holder dies, whatever killed it.
 */
const SWITCH_LOCK = '.deploy/switch.lock';
/** Which run installed a site config, for which release, at which path: `token`, `id`, `path` lines under .deploy. */
const CONFIG_RUN = 'nginx-config.run';
/** The token of the run whose switch replaced the link kept in .deploy/current.before. */
const SWITCHED_BY = '.deploy/current.by';
/**
 * finish_run: prunes the release ids read from stdin, one per line (never releases/$KEEP when set),
 * and frees the lock while it is still run $TOKEN's. A release that cannot be removed is reported
 * (\`prune-failed\`), never a reason to keep the lock; \`unlocked\` says the lock was freed. A site
 * config this run installed (CONFIG_RUN names its token) for a release that \`current\` does not
 * point at goes back to the one it replaced: a run cancelled between the config and the switch
 * leaves the config that matches the live release; a run that switched leaves its own. Run in the
 * target directory.
 */
const FINISH_RUN = `finish_run() {
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    # The release a switch just replaced is never pruned, whatever the client computed.
    [ "releases/$id" != "\${KEEP:-}" ] || continue
    if err=$(rm -rf -- "releases/$id" 2>&1) && err=$(rm -rf -- "${RECORDS_DIR}/$id" 2>&1); then
      record pruned "$id"
    else
      record prune-failed "$id"
      printf '%s\\n' "$err" >&2
    fi
  done
  L=.deploy/lock
  M=.deploy/${CONFIG_RUN}
  if [ "$(token_of "$L")" = "$TOKEN" ]; then
    # A config this run installed for a release it did not switch to (cancelled in between) goes back;
    # a failure here never keeps the lock.
    if [ -f "$M" ] && [ "$(sed -n 1p "$M")" = "$TOKEN" ]; then
      P=$(sed -n 3p "$M")
      if [ "$(readlink current 2>/dev/null || true)" != "releases/$(sed -n 2p "$M")" ]; then
        if err=$(restore_config "$P" 2>&1); then record config-restored "$P"
        else record config-restore-failed "$P: $err"; fi
      fi
      rm -f "$M"
    fi
    rm -rf "$L"; record unlocked yes
  fi
}
`;
/**
 * put_back: the link the switch to releases/$ID by run $TOKEN replaced goes back (or \`current\` goes
 * when there was none), only while \`current\` still points there and that run made the last switch:
 * a host another run has switched since is left alone. Sets $reverted when it changed the link.
 * Needs $ID, $TOKEN, and fd 9 open on SWITCH_LOCK and locked.
 */
const PUT_BACK = `reverted=
put_back() {
  [ "$(readlink current 2>/dev/null || true)" = "releases/$ID" ] || return 0
  [ "$(cat ${SWITCHED_BY} 2>/dev/null || true)" = "$TOKEN" ] || return 0
  if [ -L .deploy/current.before ]; then mv -T .deploy/current.before current
  elif [ -e .deploy/current.none ]; then rm -f current .deploy/current.none
  else echo "no record of what was live before releases/$ID; current is left as it is" >&2; return 1
  fi
  reverted=yes
}
`;
/**
 * The atomic switch: a new symlink under a temporary name renamed over \`current\` (rename(2)
 * replaces it in one step; \`ln -sfn\` would unlink first and leave a moment without a site).
 * The link it replaces is kept as .deploy/current.before, and the run's token as SWITCHED_BY, so
 * REVERT_SCRIPT can put back exactly what was live, whatever the client understood, and only its
 * own switch. Then the reload (user commands run in the target directory, outside SWITCH_LOCK, so
 * a hung reload never holds a revert); if it fails, the previous link goes back so link and server
 * agree, and the error carries the command's words and exit status. A script that stops in between
 * for any other reason (a failing command, TERM) puts the previous link back on its way out.
 * After a switch that went through, a line \`unlock\` on stdin (after the gate's \`go\`) followed by
 * release ids, one per line, prunes them and frees the lock (see finish_run; the release just
 * replaced is kept): for a run where nothing after the switch can send the host back, this saves
 * the unlock its round trip. A failed switch leaves the lock to the run.
 * args: target, release id, reload command (may be empty), its bound in seconds, the run's lock token.
 */
const SWITCH_SCRIPT = `${PRELUDE}
T=$1; ID=$2; RELOAD=$3; BOUND=$4; TOKEN=$5
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
${PUT_BACK}
${FINISH_RUN}
exec 9> ${SWITCH_LOCK}
flock 9
moved=
trap 'rc=$?; if [ -n "$moved" ] && [ "$rc" -ne 0 ]; then flock 9; put_back || true; fi' EXIT
# A client gone mid-switch (its output pipe closed) or a stop request ends the script through the guard above.
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE
previous=$(readlink current 2>/dev/null || true)
rm -f .deploy/current.before .deploy/current.none
if [ -L current ]; then cp -P current .deploy/current.before; else : > .deploy/current.none; fi
printf '%s\\n' "$TOKEN" > ${SWITCHED_BY}
rm -f current.tmp
ln -s "releases/$ID" current.tmp
moved=yes
mv -T current.tmp current
record previous "$previous"
flock -u 9
reload_error=
if [ -n "$RELOAD" ]; then run_bounded reload "$RELOAD"; reload_error=$command_error; fi
if [ -n "$reload_error" ]; then
  flock 9
  put_back
  flock -u 9
  run_bounded reload "$RELOAD" >/dev/null 2>&1 || true
  printf '%s\\n' "$reload_error" >&2
  exit ${EXIT.reloadFailed}
fi
moved=
IFS= read -r then || then=
if [ "$then" = unlock ]; then
  KEEP=$previous
  finish_run || true
fi
`;
/**
 * Undoes run $TOKEN's deploy or rollback to releases/<id>: the site config that run installed (see
 * CONFIG_RUN) goes back, then the link its switch replaced (see put_back), then the reload, so nginx
 * loads the config as it was with the release as it was. A switch of this run still landing (its
 * client cancelled) is waited for up to the bound, then undone too. A host whose \`current\` points
 * elsewhere (the switch never happened, was undone already, or another run switched since) keeps its
 * link. Records what is live afterwards, \`reverted\` when the link went back, \`config-restored\`.
 * It ignores HUP and PIPE and prints its records only once everything is done: a client gone mid-revert
 * (the connection dropped) must not stop it between the config and the link, which would leave nginx
 * on the restored config with \`current\` still on the cancelled release.
 * args: target, release id this run switched to, reload command (may be empty), its bound in seconds, lock token.
 */
const REVERT_SCRIPT = `${PRELUDE}
T=$1; ID=$2; RELOAD=$3; BOUND=$4; TOKEN=$5
trap '' HUP PIPE
cd "$T"
${PUT_BACK}
M=.deploy/${CONFIG_RUN}
changed=
restored=
if [ -d .deploy ]; then
  exec 9> ${SWITCH_LOCK}
  if ! flock -w "$BOUND" 9; then
    echo "a switch on $T was still running after $BOUND s; current is left as it is" >&2
    exit 1
  fi
  if [ -f "$M" ] && [ "$(sed -n 1p "$M")" = "$TOKEN" ]; then
    restored=$(sed -n 3p "$M")
    restore_config "$restored"
    rm -f "$M"
    changed=yes
  fi
  put_back
  [ -z "$reverted" ] || changed=yes
  flock -u 9
fi
reload_error=
if [ -n "$changed" ] && [ -n "$RELOAD" ]; then run_bounded reload "$RELOAD"; reload_error=$command_error; fi
[ -z "$restored" ] || record config-restored "$restored"
[ -z "$reverted" ] || record reverted yes
if [ -n "$reload_error" ]; then printf '%s\\n' "$reload_error" >&2; exit ${EXIT.reloadFailed}; fi
record current "$(readlink current 2>/dev/null || true)"
`;
/** The rendered site config a release went live with, and the path it was installed to, in its records. */
const RECORD_NGINX_CONFIG = 'nginx-config';
/** The records file holding the path the site config was installed to. */
const RECORD_NGINX_CONFIG_PATH = 'nginx-config-path';
/**
 * install_config SRC P: installs the site config in file SRC at path P after keeping a backup under
 * .deploy (not beside it: nginx includes whole directories, and a backup there would load twice),
 * then runs $TEST (if any); when nginx refuses the config the backup goes back and nginx's words
 * (and the exit status) are the error. Before it changes anything it notes the run ($TOKEN), release
 * ($ID) and path in CONFIG_RUN, so that freeing the lock can put the config back when the run ended
 * before its switch (see FINISH_SCRIPT). Needs $D (the target's .deploy), $TOKEN, $ID, $TEST and $BOUND.
 */
const INSTALL_CONFIG = `install_config() {
  printf '%s\\n%s\\n%s\\n' "$TOKEN" "$ID" "$2" > "$D/${CONFIG_RUN}"
  rm -f "$D/nginx-config.backup" "$D/nginx-config.absent"
  if [ -e "$2" ]; then cp -p "$2" "$D/nginx-config.backup"; else : > "$D/nginx-config.absent"; fi
  if ! err=$(cat "$1" 2>&1 > "$2"); then
    printf 'cannot write %s as %s (%s); the deploy user writes only this one file, never /etc/nginx itself: create it once, owned by that user (see "Host setup" in the action README)\n' "$2" "$(id -un)" "$err" >&2
    exit 1
  fi
  [ -n "$TEST" ] || return 0
  run_bounded test "$TEST"
  if [ -n "$command_error" ]; then
    restore_config "$2"
    printf '%s\\n' "$command_error" >&2
    exit ${EXIT.nginxTest}
  fi
}
`;
/**
 * Installs a rendered nginx site config (stdin) for release <id> (see install_config), and keeps it
 * and its path in the release's records, so that a rollback to this release puts back the config it
 * went live with. args: target, config path, test command (may be empty), its bound in seconds, release
 * id, lock token.
 */
const NGINX_INSTALL_SCRIPT = `${PRELUDE}
T=$1; P=$2; TEST=$3; BOUND=$4; ID=$5; TOKEN=$6
cd "$T"
D="$T/.deploy"
${INSTALL_CONFIG}
cat > "$D/nginx-config.new"
install_config "$D/nginx-config.new" "$P"
R="${RECORDS_DIR}/$ID"
mkdir -p "$R"
mv -f "$D/nginx-config.new" "$R/${RECORD_NGINX_CONFIG}"
printf '%s' "$P" > "$R/${RECORD_NGINX_CONFIG_PATH}.tmp"
mv -f "$R/${RECORD_NGINX_CONFIG_PATH}.tmp" "$R/${RECORD_NGINX_CONFIG_PATH}"
`;
/**
 * Installs the site config release <id> went live with (kept in its records by NGINX_INSTALL_SCRIPT),
 * for a rollback to it, and records the path it went to as \`config-path\`. A release deployed
 * without a config has none recorded: the installed config is left as it is and nothing is recorded.
 * args: target, release id, test command (may be empty), its bound in seconds, lock token.
 */
const NGINX_REINSTALL_SCRIPT = `${PRELUDE}
T=$1; ID=$2; TEST=$3; BOUND=$4; TOKEN=$5
cd "$T"
D="$T/.deploy"
R="${RECORDS_DIR}/$ID"
[ -f "$R/${RECORD_NGINX_CONFIG}" ] && [ -f "$R/${RECORD_NGINX_CONFIG_PATH}" ] || exit 0
P=$(cat "$R/${RECORD_NGINX_CONFIG_PATH}")
${INSTALL_CONFIG}
install_config "$R/${RECORD_NGINX_CONFIG}" "$P"
record config-path "$P"
`;
/** Puts the config from before this run back (another host failed, the reload or the smoke check did). args: target, config path. */
const NGINX_RESTORE_SCRIPT = `${PRELUDE}
T=$1; P=$2
cd "$T"
restore_config "$P"
`;
/**
 * Prunes the named releases (and their records) and releases the lock, in one round trip (see
 * finish_run). Records what \`current\` points at afterwards (for a post step to say what an
 * interrupted run left live).
 * args: target, token; stdin: release ids to remove, one per line.
 */
const FINISH_SCRIPT = `${PRELUDE}
T=$1; TOKEN=$2
cd "$T"
${FINISH_RUN}
finish_run
if [ -L current ]; then record current "$(readlink current)"; fi
`;
/**
 * A release's manifest and its drift (see REPORT_DRIFT), for a rollback about to switch to it:
 * unlike a deploy, a rollback has no build to send a changed file again from. Run under the lock.
 * args: target, release id.
 */
const RELEASE_DRIFT_SCRIPT = `${PRELUDE}
T=$1; ID=$2
cd "$T"
[ -d "releases/$ID" ] || { echo "release $ID does not exist in $T/releases" >&2; exit ${EXIT.missingRelease}; }
${REPORT_DRIFT}
R="${RECORDS_DIR}/$ID"
if [ -f "$R/${RECORD_MANIFEST}" ]; then record_file manifest "$R/${RECORD_MANIFEST}"; fi
report_drift "releases/$ID" "$R" drift
`;
/**
 * What a deploy plan reads, changing nothing: no lock is taken, no debris cleaned, no record moved.
 * Reports the live release (\`current\`), then its manifest (only \`current-same\` when its
 * recorded digest is the build's, $2, see RECORD_DIGEST; a release built before the records moved
 * out of it has its manifest inside), the files of it changed on the server since it was built
 * (see REPORT_DRIFT: it reads the candidates, at most the release's bytes), a lock another run
 * holds now (\`locked\`, its owner record), and the site config installed at $3 (\`config\`, or
 * \`config-absent\`) when a path is given. A target that does not exist yet reports nothing.
 * args: target, the build's manifest digest (may be empty), site config path (may be empty).
 */
const PLAN_SCRIPT = `${PRELUDE}
T=$1; DIGEST=\${2:-}; P=\${3:-}
${REPORT_DRIFT}
# A relative config path is relative to the target, as the install reads it.
there=
if cd "$T" 2>/dev/null; then there=yes; fi
if [ -n "$P" ]; then
  if [ -f "$P" ]; then record_file config "$P"; else record config-absent yes; fi
fi
[ -n "$there" ] || exit 0
if [ -d .deploy/lock ]; then record_file locked .deploy/lock/owner; fi
if [ -L current ]; then
  live=$(readlink current)
  record current "$live"
  case $live in releases/*/*) exit 0 ;; releases/?*) ;; *) exit 0 ;; esac
  [ -d "$live" ] || exit 0
  LR="${RECORDS_DIR}/\${live#releases/}"
  if same_manifest "$LR"; then record current-same yes
  elif [ -f "$LR/${RECORD_MANIFEST}" ]; then record_file current-manifest "$LR/${RECORD_MANIFEST}"
  elif [ -f "$live/.release-manifest.json" ]; then record_file current-manifest "$live/.release-manifest.json"; fi
  report_drift "$live" "$LR" drift
elif [ -e current ]; then
  record not-symlink yes
fi
`;
/** Lists releases and the live one, for rollback. args: target. */
const LIST_SCRIPT = `${PRELUDE}
T=$1
cd "$T" 2>/dev/null || exit 0
if [ -L current ]; then record current "$(readlink current)"; fi
${LIST_RELEASES}`;
/** `key NUL value NUL ...` as printed by \`record\`. */
function parseRecords(stdout) {
    const parts = stdout.split('\0');
    const records = [];
    for (let index = 0; index + 1 < parts.length; index += 2)
        records.push([parts[index], parts[index + 1]]);
    return records;
}

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
                    content: scannedContent(options.manifest, entry.path),
                };
            }
        }
    }
}
/**
 * Builds the release archive lazily (a tar.gz written as the channel reads it, gzip level 6 unless given), so memory
 * stays bounded whatever the build's size.
 */
function releaseStream(options) {
    let sent = 0;
    const counter = new external_node_stream_.Transform({
        transform(chunk, _encoding, done) {
            sent += chunk.length;
            done(null, chunk);
        },
    });
    const gzip = external_node_stream_.Readable.from(gzipMembers(tarChunks(releaseEntries(options)), options.gzipLevel ?? 6), {
        objectMode: false,
        highWaterMark: RUN_AHEAD_BYTES,
    });
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
/** Members being compressed at once: one per core of a 2-core runner, and one ready to send. */
const MEMBERS_IN_FLIGHT = 3;
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
 * The archive as a series of gzip members of about MEMBER_BYTES each, several compressed at once on
 * zlib's thread pool, emitted in order: a concatenation of gzip members is one valid gzip stream
 * (RFC 1952, section 2.2; GNU gzip and so \`tar -xz\` read it whole), and unlike one zlib stream it
 * keeps both cores of a runner busy while the connection sends. Written here because no maintained
 * npm package does parallel gzip on Node's own zlib without a native build (pigz is a program).
 */
async function* gzipMembers(chunks, level) {
    const queue = [];
    let pending = [];
    let pendingBytes = 0;
    const compress = () => {
        const data = Buffer.concat(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        const member = gzipAsync(data, { level: incompressible(data) ? 0 : level, chunkSize: 256 * 1024 });
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

// EXTERNAL MODULE: ../../packages/inputs/src/index.ts + 15 modules
var src = __webpack_require__(9399);
;// CONCATENATED MODULE: ../../packages/releases/src/release-info.ts

/**
 * A release's origin from the run that builds it (as the action reads it from the runner; empty
 * strings when unknown). The run id names the attempt too (`<id>.<attempt>`), because a re-run
 * deploys again under the same run id; outside a runner it is `local-<pid>`.
 */
function releaseOrigin(run) {
    return {
        commit: run.commit,
        ref: run.ref,
        runUrl: run.runUrl,
        actor: run.actor,
        runId: run.runId ? `${run.runId}.${run.runAttempt || '1'}` : `local-${process.pid}`,
    };
}
/**
 * A release record read back from a host; undefined when it is not JSON or lacks an id and a known status. Never
 * throws.
 */
function parseReleaseInfo(text) {
    try {
        const value = JSON.parse(text);
        if (typeof value?.id !== 'string' || (value.status !== 'complete' && value.status !== 'failed'))
            return undefined;
        return value;
    }
    catch {
        return undefined;
    }
}
/** The record as written on the host: indented JSON with a final newline, for people who read it there. */
function serializeReleaseInfo(info) {
    return JSON.stringify(info, null, 2) + '\n';
}
/** `releases/<id>` as `current` points at it; anything else (a scratch name included) is not one of ours. */
function releaseIdFromLink(link) {
    const id = link?.startsWith('releases/') ? link.slice('releases/'.length) : undefined;
    return id !== undefined && src/* RELEASE_ID_PATTERN */.ZT.test(id) ? id : undefined;
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ../../packages/ssh/src/errors.ts
var errors = __webpack_require__(8460);
;// CONCATENATED MODULE: ../../packages/releases/src/release-host.ts









/**
 * A remote script opened ahead of time that runs only when started (see `gated`): on a link with
 * 40 ms round trips, each channel opened early takes two of them off the deploy's critical path.
 */
class GatedScript {
    input = new external_node_stream_.PassThrough();
    opened = false;
    result;
    /** `signal`, once aborted, kills the remote script (started or not) and rejects `result` with its reason. */
    constructor(session, purpose, script, args, okExitCodes, signal) {
        // A script that ends early (connection lost) closes its stdin; late writes must not throw.
        this.input.on('error', () => undefined);
        this.result = session.runScript(purpose, gated(script), args, { stdin: this.input, okExitCodes, signal });
        this.result.catch(() => undefined);
    }
    /** Lets the script run, with `header` (lines the script reads first) then `input` as the rest of its stdin. */
    start(input, header = '') {
        this.opened = true;
        this.input.write(`go\n${header}`);
        if (input === undefined || typeof input === 'string') {
            this.input.end(input);
        }
        else {
            input.on('error', (error) => this.input.destroy(error));
            input.pipe(this.input);
            this.result.finally(() => input.destroy()).catch(() => undefined);
        }
        return this.result;
    }
    /**
     * Closes it unstarted: the remote script exits at its gate without doing anything, so this does not
     * wait for its channel to close (a round trip nobody needs; the result settles in the background,
     * at the latest when the session closes). A script already started is waited for.
     */
    async abort() {
        if (!this.opened) {
            this.opened = true;
            this.input.end();
            return;
        }
        await this.result.catch(() => undefined);
    }
    /** True once `start` has sent `go` (or `abort` closed it). */
    get started() {
        return this.opened;
    }
}
function listingFrom(records) {
    const listing = { releases: [], records };
    for (const [key, value] of records) {
        if (key === 'current')
            listing.current = releaseIdFromLink(value);
        if (key === 'release' && src/* RELEASE_ID_PATTERN */.ZT.test(value))
            listing.releases.push({ id: value });
        if (key === 'release-info' && listing.releases.length > 0) {
            const last = listing.releases[listing.releases.length - 1];
            if (last.info === undefined)
                last.info = parseReleaseInfo(value);
        }
    }
    return listing;
}
/** The releases on a target and which one is live. Read-only, no lock: for rollback's planning and for reports. */
async function listReleases(session, target) {
    const { stdout } = await session.runScript('list releases', LIST_SCRIPT, [target]);
    const { current, releases } = listingFrom(parseRecords(stdout));
    return { current, releases };
}
/** Newest first by build time; ids break ties (the default ids sort by time too). */
function sortReleasesNewestFirst(releases) {
    return [...releases].sort((a, b) => {
        const byTime = (b.info?.createdAt ?? '').localeCompare(a.info?.createdAt ?? '');
        return byTime !== 0 ? byTime : b.id.localeCompare(a.id);
    });
}
/**
 * `<key> <path>` followed by `<key>-now <sha256> <size> <mode>` (empty when the file is gone). The
 * server reports every file whose stat moved; one whose bytes and mode are still the release's (as
 * `manifest` records them) is not drift: its ctime moved because a hard link to it was made or removed.
 * After `<key>-full` the server hashed every file (no usable stat record): a file of the manifest it
 * did not report is gone.
 */
function driftFrom(records, name, manifest) {
    const built = new Map();
    for (const entry of manifest?.entries ?? [])
        if (entry.type === 'file')
            built.set(entry.path, entry);
    const drift = [];
    const reported = new Set();
    records.forEach(([key, value], index) => {
        if (key !== name)
            return;
        reported.add(value);
        const next = records[index + 1];
        const [sha256, size, mode] = (next?.[0] === `${name}-now` ? next[1] : '').split(' ');
        const now = sha256 ? { sha256, size: Number(size), mode: Number.parseInt(mode, 8) } : undefined;
        const entry = built.get(value);
        if (now && entry && entry.sha256 === now.sha256 && entry.size === now.size && entry.mode === now.mode)
            return;
        drift.push({ path: value, now });
    });
    if (records.some(([key]) => key === `${name}-full`)) {
        for (const path of built.keys())
            if (!reported.has(path))
                drift.push({ path });
    }
    return drift;
}
/** The `newer` releases of a lock's records, each followed by its manifest and drift (`newer-drift:<id>`). */
function newerReleases(records) {
    const newer = [];
    records.forEach(([key, id], index) => {
        if (key !== 'newer')
            return;
        const manifest = parseManifest(records[index + 1]?.[0] === 'newer-manifest' ? records[index + 1][1] : '');
        if (manifest)
            newer.push({ id, manifest, drift: driftFrom(records, `newer-drift:${id}`, manifest) });
    });
    return newer;
}
/** The first few drifted paths, for a message: `a, b (removed) and 3 more`. */
function describeDrift(drift) {
    const shown = drift.slice(0, 5).map((file) => (file.now ? file.path : `${file.path} (removed)`));
    return drift.length > shown.length ? `${shown.join(', ')} and ${drift.length - shown.length} more` : shown.join(', ');
}
/**
 * The files of release `releaseId` on the target whose bytes or mode are no longer its build's, or
 * that are gone: for a rollback about to switch to it, which has no build to send them again from.
 * Call it holding the lock. Reads every candidate on the server (at most the release's bytes).
 * @throws ReleaseHostError when the release does not exist on the target.
 */
async function releaseDrift(session, target, releaseId) {
    const result = await session.runScript('check the release for files changed on the server', RELEASE_DRIFT_SCRIPT, [target, releaseId], {
        okExitCodes: [0, EXIT.missingRelease],
    });
    if (result.code === EXIT.missingRelease)
        throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
    const records = parseRecords(result.stdout);
    return driftFrom(records, 'drift', parseManifest(records.find(([key]) => key === 'manifest')?.[1] ?? ''));
}
/**
 * Reads, without the lock and without changing anything, what a plan compares the build with: the
 * live release, its manifest (not sent back when its digest is the build's), its files changed on
 * the server, a lock held now, and the site config at `configPath` when given. One round trip.
 * @throws what the session throws when the script cannot run (a lost connection).
 */
async function readLiveRelease(session, target, build, configPath) {
    const { stdout } = await session.runScript('read the live release', PLAN_SCRIPT, [
        target,
        manifestDigest(build),
        configPath ?? '',
    ]);
    const records = parseRecords(stdout);
    const value = (name) => records.find(([key]) => key === name)?.[1];
    const isBuild = value('current-same') !== undefined;
    const manifest = isBuild ? build : parseManifest(value('current-manifest') ?? '');
    const link = value('current');
    const locked = value('locked');
    const config = value('config');
    return {
        current: link === undefined ? '' : (releaseIdFromLink(link) ?? link),
        manifest,
        isBuild,
        drift: driftFrom(records, 'drift', manifest),
        ...(locked !== undefined ? { lockedBy: describeHolder(locked) } : {}),
        notSymlink: value('not-symlink') !== undefined,
        ...(configPath ? { config: config ?? null } : {}),
    };
}
function describeHolder(record) {
    const fields = new Map(record
        .split('\n')
        .map((line) => line.split('='))
        .filter((parts) => parts.length >= 2)
        .map(([key, ...rest]) => [key, rest.join('=')]));
    if (fields.size === 0)
        return 'an unknown deploy';
    const url = fields.get('url') ? ` (${fields.get('url')})` : '';
    return `run ${fields.get('run') ?? '?'}${url} on ${fields.get('runner') ?? '?'} since ${fields.get('time') ?? '?'}`;
}
/**
 * The lock of one target (`<target>/.deploy/lock`), held for one deploy or rollback. While held, a
 * heartbeat channel keeps it fresh; if this process dies, the heartbeat stops and another deploy
 * takes the lock over after the lock timeout.
 */
class TargetLock {
    session;
    target;
    token;
    state;
    finish;
    heartbeat;
    released = false;
    constructor(session, target, token, state, finish) {
        this.session = session;
        this.target = target;
        this.token = token;
        this.state = state;
        this.finish = finish;
    }
    /**
     * Waits up to `timeoutMs` for the lock, then fails naming the holder. The same round trip reads
     * what a deploy needs to plan (live release, manifests, releases) and cleans partial releases.
     */
    static async acquire(session, target, options) {
        const token = options.token ?? (0,external_node_crypto_.randomUUID)();
        const owner = [
            `run=${options.owner.runId}`,
            `url=${options.owner.runUrl ?? ''}`,
            `runner=${options.owner.runner ?? (0,external_node_os_.hostname)()}`,
            `time=${new Date().toISOString()}`,
            `token=${token}`,
        ].join('\n');
        const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
        // The unlock is opened now, beside the lock: freeing the lock later costs no channel set-up.
        const finish = new GatedScript(session, 'prune releases and unlock', FINISH_SCRIPT, [target, token]);
        let result;
        try {
            result = await session.runScript('lock and inspect the target', BEGIN_SCRIPT, [
                target,
                String(seconds),
                options.releaseId ?? '',
                options.manifest ? manifestDigest(options.manifest) : '',
                owner,
                options.known ? manifestDigest(options.known) : '',
                options.record && options.manifest ? serializeReleaseInfo(options.record) : '',
            ], { okExitCodes: [0, EXIT.lockTimeout, EXIT.notSymlink], signal: options.signal });
        }
        catch (error) {
            await finish.abort();
            throw error;
        }
        if (result.code !== 0)
            await finish.abort();
        if (result.code === EXIT.lockTimeout) {
            throw new ReleaseHostError(session.label, `${target} on ${session.label} is locked by another deploy: ${describeHolder(result.stderr)}; waited ${seconds}s (lock-timeout). ` +
                `If that run is gone, the lock is taken over once its heartbeat is older than lock-timeout.`);
        }
        if (result.code === EXIT.notSymlink)
            throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
        const records = parseRecords(result.stdout);
        const listing = listingFrom(records);
        const has = (key) => records.some(([name]) => name === key);
        const manifestOf = (same, sent) => has(same) ? options.manifest : parseManifest(records.find(([key]) => key === sent)?.[1] ?? '');
        const currentIsKnown = has('current-known') && options.known !== undefined;
        const currentManifest = currentIsKnown ? options.known : manifestOf('current-same', 'current-manifest');
        const existingManifest = manifestOf('existing-same', 'existing-manifest');
        const matchId = records.find(([key]) => key === 'match')?.[1];
        const state = {
            current: listing.current,
            releases: listing.releases,
            cleaned: records.filter(([key]) => key === 'cleaned').map(([, value]) => value),
            migrated: records.filter(([key]) => key === 'migrated').map(([, value]) => value),
            drift: driftFrom(records, 'drift', currentManifest),
            existingDrift: driftFrom(records, 'existing-drift', existingManifest),
            currentManifest,
            currentIsBuild: has('current-same'),
            currentIsKnown,
            match: matchId !== undefined && options.manifest
                ? { id: matchId, drift: driftFrom(records, 'match-drift', options.manifest) }
                : undefined,
            newer: newerReleases(records),
            existingManifest,
            tookOverFrom: records.find(([key]) => key === 'took-over')?.[1],
            clonedFrom: records.find(([key]) => key === 'cloned')?.[1],
        };
        if (state.tookOverFrom !== undefined)
            state.tookOverFrom = describeHolder(state.tookOverFrom);
        const lock = new TargetLock(session, target, token, state, finish);
        lock.startHeartbeat();
        return lock;
    }
    /**
     * Frees the lock taken under `token`, if it is still that one, over any session: for a run whose
     * connection broke while it was taking the lock, so it cannot know whether it holds it, or for an
     * action's post step after its main step was killed. A lock taken over by another run is left alone.
     * A site config the run installed for a release it did not switch to is put back as it was.
     * @returns whether a lock was freed, the release the host serves now (undefined: none), the path
     *   of a site config put back (`configRestored`), or the path and why it could not be (`configRestoreFailed`).
     */
    static async freeIfHeld(session, target, token) {
        const { stdout } = await session.runScript('free the deploy lock', FINISH_SCRIPT, [target, token], { stdin: '' });
        const records = parseRecords(stdout);
        const link = records.find(([key]) => key === 'current')?.[1];
        return {
            freed: records.some(([key]) => key === 'unlocked'),
            serving: link === undefined ? undefined : releaseIdFromLink(link),
            configRestored: records.find(([key]) => key === 'config-restored')?.[1],
            configRestoreFailed: records.find(([key]) => key === 'config-restore-failed')?.[1],
        };
    }
    /** The same lock (same token) over another session, e.g. to free it after the first connection was lost. */
    static async reclaim(session, lock) {
        return new TargetLock(session, lock.target, lock.token, lock.state);
    }
    /** The lock directory (`<target>/.deploy/lock`), created atomically by `mkdir`. */
    get lockDir() {
        return `${this.target}/.deploy/lock`;
    }
    startHeartbeat() {
        const input = new external_node_stream_.PassThrough();
        const done = this.session
            .runScript('keep the deploy lock alive', HEARTBEAT_SCRIPT, [this.lockDir, this.token], { stdin: input })
            // The heartbeat only matters while the lock is held; its end (or a lost connection) is reported by the deploy's own commands.
            .catch(() => undefined);
        this.heartbeat = { input, done };
    }
    /**
     * Ends the heartbeat, prunes `prune` and frees the lock (only if still ours) in one round trip.
     * A release that cannot be pruned is listed in `pruneFailed` (with the remote words in
     * `pruneError`); it never keeps the lock.
     */
    async release(prune = []) {
        if (this.released)
            return { pruned: [], pruneFailed: [] };
        this.released = true;
        const beat = this.heartbeat;
        this.heartbeat = undefined;
        beat?.input.end();
        try {
            const { stdout, stderr } = this.finish
                ? await this.finish.start(pruneList(prune))
                : await this.session.runScript('prune releases and unlock', FINISH_SCRIPT, [this.target, this.token], {
                    stdin: pruneList(prune),
                });
            return pruneResult(stdout, stderr);
        }
        finally {
            await beat?.done;
        }
    }
    /**
     * Starts `switcher` (opened by `openSwitch`) so that, once the switch went through, the host also
     * prunes `prune` and frees this lock in the same round trip (see SWITCH_SCRIPT): for a run where
     * nothing after the switch can send the host back (one host, no smoke check). When the switch
     * freed the lock, the heartbeat ends and the unlock opened ahead is closed unstarted; otherwise
     * (a failed switch) the lock stays held and `release` frees it as usual.
     * @returns the switch's outcome (for `completeSwitch`) and what was pruned when the lock was freed.
     */
    async switchAndRelease(switcher, prune) {
        const result = await switcher.start(pruneList(prune), 'unlock\n');
        if (!parseRecords(result.stdout).some(([key]) => key === 'unlocked'))
            return { result };
        this.released = true;
        // The lock is gone: the heartbeat stops on its own (its loop ends with the lock) and the unlock
        // opened ahead exits unstarted. Their channels close in the background; waiting for that would
        // only add a round trip to the deploy (both promises settle, the session's close included).
        this.heartbeat?.input.end();
        this.heartbeat = undefined;
        await this.finish?.abort();
        return { result, pruned: pruneResult(result.stdout, result.stderr) };
    }
}
/** Release ids as FINISH_SCRIPT reads them on stdin: one per line. */
function pruneList(prune) {
    return prune.map((id) => `${id}\n`).join('');
}
/** What finish_run printed (see FINISH_SCRIPT): releases pruned, and those that could not be, with the remote words. */
function pruneResult(stdout, stderr) {
    const records = parseRecords(stdout);
    const pick = (name) => records.filter(([key]) => key === name).map(([, value]) => value);
    const pruneFailed = pick('prune-failed');
    return { pruned: pick('pruned'), pruneFailed, pruneError: pruneFailed.length > 0 ? stderr.trim() : undefined };
}
/**
 * Runs `work` over `session`, or, when that connection is gone (cut mid-run), over a fresh one
 * from `reconnect`, closed afterwards.
 * @throws the lost connection's error when there is no `reconnect`, or what `work` throws.
 */
async function onAnySession(session, reconnect, work) {
    try {
        return await work(session);
    }
    catch (error) {
        if (!(error instanceof errors/* SshConnectionLostError */.Fd) || !reconnect)
            throw error;
        const fresh = await reconnect();
        try {
            return await work(fresh);
        }
        finally {
            await fresh.close?.();
        }
    }
}
/** Frees `lock` (pruning `prune`), over a fresh connection if its own is gone, so the next run need not wait. */
function releaseLockAnyhow(lock, prune, reconnect) {
    return onAnySession(lock.session, reconnect, async (session) => session === lock.session ? lock.release(prune) : (await TargetLock.reclaim(session, lock)).release(prune));
}
/**
 * Opens the upload ahead of time; finish it with `completeUpload(...)` on what `start(archive)` returns.
 * `signal`, once aborted, kills the upload where it is: the partial release it leaves is removed by the
 * next deploy (see BEGIN_SCRIPT), and nothing live changed.
 */
function openUpload(session, target, releaseId, signal) {
    return new GatedScript(session, 'upload and build the release', UPLOAD_SCRIPT, [target, releaseId], [0, EXIT.buildFailed], signal);
}
/**
 * Starts an upload opened by `openUpload` with the release archive; `cloneFrom` names a kept release
 * the host clones whole instead (see UPLOAD_SCRIPT): the archive then holds only the records.
 */
function startUpload(upload, archive, cloneFrom) {
    return upload.start(archive, `${cloneFrom ?? ''}\n`);
}
/**
 * Reads a build's outcome. A failed build has removed what it wrote; the error says why, and when
 * the disk filled up, how much the release needed (`neededBytes`: the bytes of the files sent,
 * before compression) against what the file system of `target` has free.
 */
function completeUpload(session, target, releaseId, result, neededBytes) {
    if (result.code !== EXIT.buildFailed)
        return;
    const freeKib = Number(parseRecords(result.stdout).find(([key]) => key === 'available-kib')?.[1] ?? NaN);
    const free = Number.isFinite(freeKib) ? `${freeKib * 1024} bytes are free` : 'the free space could not be read';
    const words = result.stderr.trim();
    if (/No space left on device|Disk quota exceeded/i.test(words)) {
        throw new ReleaseHostError(session.label, `Not enough space in ${target} on ${session.label} for release ${releaseId}: its new files need ${neededBytes} bytes, ${free} (after removing the partial release); nothing was changed:\n${words}`);
    }
    throw new ReleaseHostError(session.label, `Building release ${releaseId} in ${target} on ${session.label} failed; the partial release was removed and nothing was changed (${free}):\n${words}`);
}
const SWITCH_EXITS = [0, EXIT.reloadFailed, EXIT.missingRelease];
/**
 * How long (milliseconds) the nginx test and reload commands may run before they are stopped and
 * count as failed: a command that never ends (a hung sudo prompt, a stuck nginx) must not hold the
 * deploy and its lock forever. `nginx -t` and `nginx -s reload` take well under a second.
 */
const NGINX_COMMAND_TIMEOUT_MS = 60_000;
/** The bound as the remote scripts take it: seconds, fractions allowed (GNU timeout's DURATION). */
function boundSeconds(timeoutMs) {
    return String((timeoutMs ?? NGINX_COMMAND_TIMEOUT_MS) / 1000);
}
/** The arguments of the scripts that move `current` and reload nginx (SWITCH_SCRIPT, REVERT_SCRIPT). */
function switchingArgs(args) {
    return [args.target, args.releaseId, args.reloadCommand ?? '', boundSeconds(args.timeoutMs), args.token];
}
/** Points `current` at `releases/<id>` atomically and reloads; returns the release that was live before. */
async function switchRelease(session, args) {
    const result = await session.runScript('switch the live release', SWITCH_SCRIPT, switchingArgs(args), {
        okExitCodes: SWITCH_EXITS,
    });
    return completeSwitch(session, result);
}
/** Opens the switch ahead of time; finish it with `completeSwitch(session, await gate.start())`. */
function openSwitch(session, args) {
    return new GatedScript(session, 'switch the live release', SWITCH_SCRIPT, switchingArgs(args), SWITCH_EXITS);
}
/** Reads a switch's outcome: the previous release, or the error naming why the switch was undone. */
function completeSwitch(session, result) {
    if (result.code === EXIT.missingRelease)
        throw new ReleaseHostError(session.label, `${session.label}: ${result.stderr.trim()}`);
    if (result.code === EXIT.reloadFailed) {
        throw new ReleaseHostError(session.label, `Reloading nginx failed on ${session.label}, so the previous release stays live: ${result.stderr.trim()}`);
    }
    const previousLink = parseRecords(result.stdout).find(([key]) => key === 'previous')?.[1];
    return { previous: releaseIdFromLink(previousLink) };
}
/**
 * Undoes run `token`'s switch to `releaseId` on one host: the site config that run installed goes
 * back, then exactly the link the switch replaced (nothing live before: `current` is removed), then
 * the reload. A switch of that run still landing (its client is gone) is waited for, up to the
 * bound, and undone too. A host where `current` does not point at `releaseId`, or that another run
 * switched since, keeps its link: the revert is safe to run whether the switch happened or not.
 * @throws ReleaseHostError when the reload fails after the link went back; Error when a switch is still
 *   running after the bound.
 */
async function revertSwitch(session, args) {
    const result = await session.runScript('put the previous release back', REVERT_SCRIPT, switchingArgs(args), {
        okExitCodes: [0, EXIT.reloadFailed],
    });
    if (result.code === EXIT.reloadFailed) {
        throw new ReleaseHostError(session.label, `The previous release is back in place on ${session.label}, but reloading nginx failed: ${result.stderr.trim()}`);
    }
    const records = parseRecords(result.stdout);
    return {
        current: releaseIdFromLink(records.find(([key]) => key === 'current')?.[1]),
        reverted: records.some(([key]) => key === 'reverted'),
        configRestored: records.find(([key]) => key === 'config-restored')?.[1],
    };
}
/** Replaces a release's record (`.deploy/records/<id>/release.json`). */
async function writeReleaseInfo(session, target, info) {
    await session.runScript('write the release record', WRITE_INFO_SCRIPT, [target, info.id], {
        stdin: serializeReleaseInfo(info),
    });
}
/** Marks a release failed, keeping the rest of its record: rollback and prune skip failed releases. */
async function markReleaseFailed(session, target, info, reason) {
    const failed = { ...info, status: 'failed', failedReason: reason, failedAt: new Date().toISOString() };
    await writeReleaseInfo(session, target, failed);
    return failed;
}
/**
 * Installs a rendered nginx config for release `releaseId`, tests it, and restores the previous file
 * when nginx refuses it. The config and `configPath` are kept in the release's records, so that a
 * rollback to the release installs it again (`reinstallNginxConfig`).
 * @throws ReleaseHostError when the file cannot be written or the test command fails or outlives its bound.
 */
async function installNginxConfig(session, target, configPath, config, testCommand, 
/** The test command's bound (NGINX_COMMAND_TIMEOUT_MS when left out). */
timeoutMs, releaseId, 
/** The token of the lock this run holds: freeing the lock puts the config back if the run never switched to `releaseId`. */
lockToken) {
    const result = await session.runScript('install and test the nginx config', NGINX_INSTALL_SCRIPT, [target, configPath, testCommand ?? '', boundSeconds(timeoutMs), releaseId, lockToken], {
        stdin: config,
        okExitCodes: [0, EXIT.nginxTest],
    });
    refusedConfig(session, result, 'Testing the new nginx config did not finish', 'nginx refused the new config');
}
/**
 * Installs again the site config release `releaseId` went live with (kept in its records by
 * `installNginxConfig`), tests it, and restores the previous file when nginx refuses it: for a
 * rollback to that release. A release deployed without a config leaves the installed one alone.
 * @returns the path the config was installed to; undefined when the release has no config recorded.
 * @throws ReleaseHostError when the file cannot be written or the test command fails or outlives its bound.
 */
async function reinstallNginxConfig(session, target, releaseId, testCommand, 
/** The test command's bound (NGINX_COMMAND_TIMEOUT_MS when left out). */
timeoutMs, 
/** The token of the lock this run holds: freeing the lock puts the config back if the run never switched to `releaseId`. */
lockToken) {
    const result = await session.runScript('install and test the nginx config of the release', NGINX_REINSTALL_SCRIPT, [target, releaseId, testCommand ?? '', boundSeconds(timeoutMs), lockToken], { okExitCodes: [0, EXIT.nginxTest] });
    refusedConfig(session, result, `Testing the nginx config of release ${releaseId} did not finish`, `nginx refused the config of release ${releaseId}`);
    return parseRecords(result.stdout).find(([key]) => key === 'config-path')?.[1];
}
/** The error of a config test that failed (`timedOut` or `refused` as the verdict), or nothing when it passed. */
function refusedConfig(session, result, timedOut, refused) {
    if (result.code !== EXIT.nginxTest)
        return;
    const words = result.stderr.trim();
    const verdict = words.startsWith('the test command timed out') ? timedOut : refused;
    throw new ReleaseHostError(session.label, `${verdict} on ${session.label}; the previous config was restored and the live site is unchanged: ${words}`);
}
/** Puts back the config that was installed before this run's `installNginxConfig` or `reinstallNginxConfig`. */
async function restoreNginxConfig(session, target, configPath) {
    await session.runScript('restore the previous nginx config', NGINX_RESTORE_SCRIPT, [target, configPath]);
}

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
                const failure = jsonCheckFailure(question.body, jsonCheck('expected-json', question.json));
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
            detail: `${check} was not evaluated: the thread that evaluates it had not started within ${(0,src/* formatDuration */.a3)(limit.startMs)} ` +
                `(what was left of timeout); the runner is overloaded, which says nothing about the check`,
            inconclusive: true,
        };
    }
    const [name, ms] = outcome === 'deadline' ? ['what was left of timeout', limit.startMs] : [limit.name, limit.ms];
    return {
        detail: `${check} was still ${evaluating} the ${Buffer.byteLength(body)}-byte body ` +
            `when ${name} (${(0,src/* formatDuration */.a3)(ms)}) ran out: ${cost}`,
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
            ...headers.flatMap(([, value]) => (0,src/* headerSecrets */.n3)(value)),
            ...urls.flatMap((url) => (0,src/* urlSecrets */.Fn)(url.href)),
        ]
            .filter((secret) => secret.length > 0)
            .flatMap(src/* secretForms */.eo);
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
        return `unhealthy: timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} reached before the first round (initial-delay ${(0,src/* formatDuration */.a3)(settings.initialDelayMs)})`;
    const progress = progressOf(settings, state);
    // Stopping less than an interval early is reaching the timeout; but when the interval outlasts the
    // time after initial-delay, the one round ran long before the timeout, and the message says why.
    const oneRoundFits = settings.intervalMs >= settings.timeoutMs - settings.initialDelayMs;
    const ending = stoppedBeforeDeadline && oneRoundFits
        ? `the next round would start after timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} (interval ${(0,src/* formatDuration */.a3)(settings.intervalMs)}), so the gate stopped`
        : `timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} reached`;
    return `unhealthy: ${ending} after ${rounds} round(s), ${progress}${lastWords}`;
}
function progressOf(settings, state) {
    return state.firstPassAt === null
        ? 'no round passed'
        : `${state.passedRounds} round(s) passed but not ${settings.successThreshold} in a row`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/index.ts









;// CONCATENATED MODULE: ../../packages/releases/src/switch-hosts.ts


/**
 * Runs `switchOne` on every host at once, marking each `switched` when it went through and
 * `switchUnknown` when its connection broke with the outcome in flight.
 * @returns each host's error, in the order of `runs` (undefined where the switch went through).
 */
async function switchEveryHost(runs, switchOne) {
    const results = await Promise.allSettled(runs.map(async (run) => {
        try {
            await switchOne(run);
            run.switched = true;
        }
        catch (error) {
            if (error instanceof errors/* SshConnectionLostError */.Fd)
                run.switchUnknown = true;
            throw error;
        }
    }));
    return results.map((result) => (result.status === 'rejected' ? (result.reason ?? 'failed') : undefined));
}
/**
 * Puts one host back as it was before the run (see `revertSwitch`: its site config, then its link,
 * then the reload), over a new connection when its own broke; clears `switched` and `switchUnknown`
 * once done, as the host is then known to serve what it served before.
 * @throws what `revertSwitch` or the reconnection throws; the flags are then left as they were.
 */
async function putBack(run, args) {
    const revert = await onAnySession(run.host.session, run.host.reconnect, (session) => revertSwitch(session, args));
    run.switched = false;
    run.switchUnknown = false;
    return revert;
}

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
    const others = sortReleasesNewestFirst(releases.filter((release) => release.info !== undefined && !pinned.has(release.id)));
    const slots = Math.max(0, keep - pinned.size);
    return others.slice(slots).map((release) => release.id);
}
async function prepareHost(run, request) {
    const { session } = run.host;
    const log = (line) => note(run, request, line);
    run.upload = openUpload(session, run.target, request.releaseId, request.signal);
    run.switcher = openSwitch(session, switchArgs(run, request));
    run.lockStarted = true;
    const known = request.knownManifest?.(session.label, run.target);
    const totals = manifestTotals(request.manifest);
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
    const lock = await TargetLock.acquire(session, run.target, {
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
        log(`moved the records of ${state.migrated.join(', ')} out of the served tree to ${RECORDS_DIR}`);
    if (state.drift.length > 0)
        log(`${state.drift.length} file(s) of the live release ${state.current} changed on the server since it was deployed (${describeDrift(state.drift)}); they are sent again, not linked`);
    run.report.previousReleaseId = state.current !== request.releaseId ? state.current : undefined;
    const existingIsSame = sameManifest(state.existingManifest, request.manifest);
    if (state.current === request.releaseId) {
        if (!existingIsSame || state.drift.length > 0) {
            const why = existingIsSame
                ? `files of it were changed on the server since it was deployed (${describeDrift(state.drift)})`
                : 'with different content';
            throw new ReleaseHostError(session.label, `Release ${request.releaseId} is live on ${session.label} ${why}; a live release is never rebuilt in place. Use a new release-id.`);
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
        await writeReleaseInfo(session, run.target, info);
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
            recordsDir: `${RECORDS_DIR}/.${request.releaseId}.partial`,
            reuseDir: source ? `releases/${source.id}` : undefined,
            cloneFrom,
            releaseInfo: info,
            gzipLevel: request.gzipLevel,
        });
        if (state.match && state.match.drift.length > 0)
            log(`${state.match.drift.length} file(s) of release ${state.match.id}, which holds this build, changed on the server since it was deployed (${describeDrift(state.match.drift)}); they are sent again, not linked`);
        log(cloneFrom !== undefined
            ? `release ${cloneFrom} holds this build unchanged: linking all ${plan.reuse.length} file(s) from it, sending none`
            : `sending ${plan.upload.length} new or changed file(s), linking ${plan.reuse.length} unchanged from ${[source?.id, ...state.newer.map((release) => release.id)].filter(Boolean).join(', ') || 'no release'}`);
        completeUpload(session, run.target, request.releaseId, await startUpload(run.upload, archive.stream, cloneFrom), plan.uploadBytes);
        run.report.filesUploaded = plan.upload.length;
        run.report.filesReused = plan.reuse.length;
        run.report.bytesUploaded = archive.sentBytes();
    }
    request.signal?.throwIfAborted();
    if (request.nginxConfig && run.config !== undefined) {
        run.configInstalled = true;
        await installNginxConfig(session, run.target, request.nginxConfig.remotePath, run.config, request.nginxTestCommand, request.nginxCommandTimeoutMs, request.releaseId, run.lockToken);
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
        release: releasePath(target, request.releaseId),
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
    const revert = await putBack(run, switchArgs(run, request));
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
                await TargetLock.freeIfHeld(fresh, run.target, run.lockToken);
            }
            finally {
                await fresh.close?.();
            }
        }
        return;
    }
    reportPruned(run, await releaseLockAnyhow(run.lock, prune, run.host.reconnect));
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
        throw new FrontendDeployFailedError(report.error, report);
    return report;
}
async function releaseEverywhere(request, hosts) {
    if (!src/* RELEASE_ID_PATTERN */.ZT.test(request.releaseId)) {
        throw new ReleaseHostError('', `"${request.releaseId}" cannot be a release id: ${src/* RELEASE_ID_RULE */.jn}`);
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
            releasePath: releasePath(host.target ?? request.target, request.releaseId),
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
        const switchErrors = await untilCancelled(signal, switchEveryHost(runs, async (run) => {
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
            const { previous } = completeSwitch(run.host.session, result);
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
                        await markReleaseFailed(run.host.session, run.target, run.info, failure).catch(() => undefined);
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

;// CONCATENATED MODULE: ../../packages/releases/src/rollback.ts



function describeRelease(release, current) {
    const state = release.id === current ? 'live' : (release.info?.status ?? 'no .release.json');
    return `${release.id} (${state})`;
}
/**
 * Which release to go to on one host. `previous` is the newest complete release older than the
 * live one that is not marked failed, so a second rollback walks further back instead of
 * returning to the release the first one left. A named release is honoured even when marked
 * failed (someone decided), with a warning.
 */
function chooseRelease(listing, to, label) {
    const ordered = sortReleasesNewestFirst(listing.releases);
    const available = ordered.map((release) => describeRelease(release, listing.current)).join(', ') || 'none';
    const from = listing.current;
    if (to.kind === 'previous') {
        const liveAt = ordered.findIndex((release) => release.id === from);
        if (from === undefined || liveAt < 0) {
            throw new ReleaseRollbackRefusedError(`${label}: no live release to roll back from (releases: ${available}); nothing was changed`);
        }
        const target = ordered.slice(liveAt + 1).find((release) => release.info?.status === 'complete');
        if (!target) {
            throw new ReleaseRollbackRefusedError(`${label}: no complete release older than the live ${from} that is not marked failed (releases: ${available}); nothing was changed`);
        }
        return { from, to: target.id, alreadyLive: false, warnings: [] };
    }
    const target = listing.releases.find((release) => release.id === to.releaseId);
    if (!target) {
        throw new ReleaseRollbackRefusedError(`${label}: there is no release ${to.releaseId}; available releases: ${available}`);
    }
    const warnings = [];
    if (target.id !== from && target.info?.status === 'failed') {
        const why = target.info.failedReason ? ` (${target.info.failedReason})` : '';
        warnings.push(`${label}: release ${target.id} is marked failed${why}; switching to it because "to" names it explicitly`);
    }
    if (target.id !== from && target.info === undefined) {
        warnings.push(`${label}: release ${target.id} has no readable .release.json (not built by a deploy?); switching to it because "to" names it`);
    }
    return { from, to: target.id, alreadyLive: target.id === from, warnings };
}
function rollback_errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}
/** A line about one host: kept for its report and passed on, labelled, as it happens. */
function rollback_note(run, request, line) {
    run.log.push(line);
    request.log?.(`${run.host.session.label}: ${line}`);
}
function reportOf(runs) {
    return runs.map((run) => ({
        host: run.host.name,
        label: run.host.session.label,
        ...run.choice,
        markedFailed: run.markedFailed,
        outcome: run.outcome,
        error: run.error,
        log: run.log,
    }));
}
/** Throws the first rejection's reason after every attempt settled, or returns. */
function firstFailure(results) {
    return results.find((result) => result.status === 'rejected')?.reason;
}
/**
 * The frontend rollback over every host, under the deploy lock: lock and decide on every host
 * first (one that cannot proceed stops all, with nothing changed), install on every host the
 * site config the release went live with (if it had one; see `installReleaseConfigs`), then switch
 * every host atomically and reload; a failed switch puts the hosts already switched back. Then the
 * release rolled back from is marked failed. Locks are freed on every path.
 * @returns every host's outcome (`switched` or `already live`), in the order of `hosts`.
 * @throws ReleaseRollbackRefusedError (or the lock's error) before any host changed;
 *   FrontendRollbackFailedError, carrying every host's outcome, when a switch or reload failed
 *   (the hosts already switched are put back) or a switched-from release could not be marked failed.
 */
async function rollbackFrontend(request, hosts) {
    const warn = request.warn ?? request.log ?? (() => undefined);
    const runs = hosts.map((host) => ({
        host,
        target: host.target ?? request.target,
        switched: false,
        switchUnknown: false,
        markedFailed: false,
        outcome: 'not switched',
        log: [],
    }));
    try {
        // Read-only first: taking the lock creates the target's directories, and a wrong target must stay untouched.
        const empty = await Promise.all(runs.map(async (run) => {
            const listing = await listReleases(run.host.session, run.target);
            return listing.current === undefined && listing.releases.length === 0 ? run : undefined;
        }));
        const missing = empty.filter((run) => run !== undefined);
        if (missing.length > 0) {
            throw new ReleaseRollbackRefusedError(missing
                .map((run) => `${run.host.session.label}: ${run.target} holds no releases (is "target" the directory deploys go to?); nothing was changed`)
                .join('\n'));
        }
        const locked = await Promise.allSettled(runs.map(async (run) => {
            run.lock = await TargetLock.acquire(run.host.session, run.target, {
                timeoutMs: request.lockTimeoutMs,
                owner: { runId: request.origin.runId, runUrl: request.origin.runUrl },
                token: request.lockToken,
            });
        }));
        const lockFailure = firstFailure(locked);
        if (lockFailure !== undefined)
            throw lockFailure;
        const to = convergingTarget(runs, request.to, warn);
        const refusals = [];
        for (const run of runs) {
            try {
                run.choice = chooseRelease(run.lock.state, to, run.host.session.label);
            }
            catch (error) {
                if (!(error instanceof ReleaseRollbackRefusedError))
                    throw error;
                refusals.push(error.message);
            }
        }
        if (refusals.length > 0)
            throw new ReleaseRollbackRefusedError(refusals.join('\n'));
        await refuseChangedReleases(runs);
        for (const run of runs)
            for (const warning of run.choice.warnings)
                warn(warning);
        const switching = runs.filter((run) => !run.choice.alreadyLive);
        for (const run of runs.filter((run) => run.choice.alreadyLive)) {
            run.outcome = 'already live';
            rollback_note(run, request, `release ${run.choice.to} is already live; nothing to switch`);
        }
        await installReleaseConfigs(runs, request);
        request.journal?.switching(Object.fromEntries(switching.map((run) => [run.host.session.label, { to: run.choice.to, previous: run.choice.from ?? '' }])));
        const switchErrors = await switchEveryHost(switching, async (run) => {
            rollback_note(run, request, `switching current from ${run.choice.from ?? '(nothing)'} to ${run.choice.to}`);
            await switchRelease(run.host.session, rollback_switchArgs(run, request));
            run.outcome = 'switched';
        });
        switchErrors.forEach((error, index) => {
            if (error === undefined)
                return;
            switching[index].error = rollback_errorMessage(error);
            rollback_note(switching[index], request, `switch failed: ${switching[index].error}`);
        });
        const switchFailure = switchErrors.find((error) => error !== undefined);
        if (switchFailure !== undefined) {
            // The revert acts only where current points at the rollback's target by this run's switch, so a
            // host that never switched is left alone; it puts back the config first, so the reload loads the
            // config that goes with the release put back.
            const reverting = switching.filter((run) => run.switched || run.switchUnknown || run.configPath !== undefined);
            const reverted = await Promise.allSettled(reverting.map(async (run) => {
                const wasSwitched = run.switched;
                await putBack(run, rollback_switchArgs(run, request));
                return wasSwitched;
            }));
            reverted.forEach((result, index) => {
                const run = reverting[index];
                if (result.status === 'fulfilled') {
                    run.outcome = result.value ? 'put back' : 'not switched';
                    rollback_note(run, request, `back on ${run.choice.from ?? '(nothing)'}, as before this rollback`);
                }
                else {
                    run.outcome = 'unknown';
                    const why = `putting it back on ${run.choice.from ?? '(nothing)'} failed: ${rollback_errorMessage(result.reason)}`;
                    run.error = run.error ? `${run.error}; ${why}` : why;
                    rollback_note(run, request, why);
                }
            });
            const revertFailure = firstFailure(reverted);
            if (revertFailure === undefined)
                request.journal?.settled();
            const after = revertFailure === undefined
                ? 'every host is back on the release it had'
                : `putting the other hosts back failed too: ${rollback_errorMessage(revertFailure)}`;
            throw new FrontendRollbackFailedError(`Rollback failed: ${rollback_errorMessage(switchFailure)}; ${after}`, reportOf(runs));
        }
        request.journal?.settled();
        if (request.markFailed) {
            for (const run of switching) {
                try {
                    await markFailed(run, request, warn);
                }
                catch (error) {
                    run.error = `switched, but marking ${run.choice.from} failed did not work: ${rollback_errorMessage(error)}`;
                    rollback_note(run, request, run.error);
                }
            }
            const unmarked = switching.filter((run) => run.error !== undefined);
            if (unmarked.length > 0) {
                throw new FrontendRollbackFailedError(`Rollback switched every host, but ${unmarked.map((run) => `${run.host.session.label}: ${run.error}`).join('; ')}`, reportOf(runs));
            }
        }
        return reportOf(runs);
    }
    finally {
        await Promise.allSettled(runs.map((run) => (run.lock ? releaseLockAnyhow(run.lock, [], run.host.reconnect) : undefined)));
    }
}
/** How this run's switch to its chosen release reaches the host, and how it is undone (see `revertSwitch`). */
function rollback_switchArgs(run, request) {
    return {
        target: run.target,
        releaseId: run.choice.to,
        reloadCommand: request.nginxReloadCommand,
        timeoutMs: request.nginxCommandTimeoutMs,
        token: run.lock.token,
    };
}
/**
 * Installs, on every host about to switch, the site config its release went live with (a release
 * deployed with `nginx-config` keeps it in its records), tested with `nginxTestCommand`, before any
 * host switches: the switch's reload then serves the release with its own config, so a config that
 * names a release directory (`{{release}}`) follows the rollback. A release deployed without a config
 * leaves the installed one alone. One refused config puts back the configs installed on the others.
 * @throws FrontendRollbackFailedError when a config could not be installed; no host switched, and
 *   every host's config is as it was.
 */
async function installReleaseConfigs(runs, request) {
    const switching = runs.filter((run) => !run.choice.alreadyLive);
    const installed = await Promise.allSettled(switching.map(async (run) => {
        run.configPath = await reinstallNginxConfig(run.host.session, run.target, run.choice.to, request.nginxTestCommand, request.nginxCommandTimeoutMs, run.lock.token);
        if (run.configPath !== undefined)
            rollback_note(run, request, `installed the nginx config release ${run.choice.to} went live with at ${run.configPath}`);
    }));
    installed.forEach((result, index) => {
        if (result.status === 'rejected')
            switching[index].error = rollback_errorMessage(result.reason);
    });
    const failure = firstFailure(installed);
    if (failure === undefined)
        return;
    const restored = await Promise.allSettled(switching
        .filter((run) => run.configPath !== undefined)
        .map(async (run) => {
        try {
            await restoreNginxConfig(run.host.session, run.target, run.configPath);
            run.configPath = undefined;
        }
        catch (error) {
            run.error = `putting back the config at ${run.configPath} failed: ${rollback_errorMessage(error)}`;
            throw error;
        }
    }));
    const restoreFailure = firstFailure(restored);
    const after = restoreFailure === undefined
        ? 'no host was switched and every config is as it was'
        : `no host was switched, but putting back a config failed: ${rollback_errorMessage(restoreFailure)}`;
    throw new FrontendRollbackFailedError(`Rollback failed: ${rollback_errorMessage(failure)}; ${after}`, reportOf(runs));
}
/**
 * Refuses, before any host switches, to go to a release whose files were changed on the server
 * since it was built (edited in place, directly or through a hard link it shares with other
 * releases; removed; replaced): a rollback has no build to send them again from, and switching
 * would serve bytes that are not the release's. The way out is a deploy of that release's build
 * (under the same release id a deploy rebuilds it from the build) or another release.
 * @throws ReleaseRollbackRefusedError naming each host, release and the changed files.
 */
async function refuseChangedReleases(runs) {
    const changed = await Promise.all(runs
        .filter((run) => !run.choice.alreadyLive)
        .map(async (run) => {
        const drift = await releaseDrift(run.host.session, run.target, run.choice.to);
        const label = run.host.session.label;
        return drift.length === 0
            ? undefined
            : `${label}: release ${run.choice.to} has ${drift.length} file(s) changed on the server since it was built (${describeDrift(drift)}); ` +
                `switching to it would serve bytes that are not its build's, so nothing was changed. Deploy that build again ` +
                `(with release-id ${run.choice.to} it is rebuilt from the build) or roll back to another release`;
    }));
    const refusals = changed.filter((message) => message !== undefined);
    if (refusals.length > 0)
        throw new ReleaseRollbackRefusedError(refusals.join('\n'));
}
/**
 * `previous` when the hosts serve different releases (a deploy whose connection to one host broke
 * during the switch left it ahead): every host goes to the release before the newest one live
 * anywhere, so the rollback converges them instead of stepping each back from where it stands.
 */
function convergingTarget(runs, to, warn) {
    if (to.kind !== 'previous')
        return to;
    const live = runs.map((run) => run.lock.state.current);
    if (new Set(live).size <= 1)
        return to;
    const createdAt = (run) => run.lock.state.releases.find((release) => release.id === run.lock.state.current)?.info?.createdAt ?? '';
    const ahead = [...runs].sort((a, b) => createdAt(b).localeCompare(createdAt(a)))[0];
    const choice = chooseRelease(ahead.lock.state, to, ahead.host.session.label);
    warn(`The hosts serve different releases (${runs
        .map((run, index) => `${run.host.session.label}: ${live[index] ?? 'none'}`)
        .join(', ')}); every host goes to ${choice.to}, the release before the newest live one (${choice.from})`);
    return { kind: 'release', releaseId: choice.to };
}
async function markFailed(run, request, warn) {
    const { from, to } = run.choice;
    const label = run.host.session.label;
    const info = run.lock.state.releases.find((release) => release.id === from)?.info;
    if (from === undefined)
        return;
    if (!info) {
        warn(`${label}: release ${from} has no readable .release.json, so it cannot be marked failed`);
        return;
    }
    const by = request.origin.runUrl ? ` by ${request.origin.runUrl}` : '';
    await markReleaseFailed(run.host.session, run.target, info, `rolled back to ${to}${by}`);
    run.markedFailed = true;
    rollback_note(run, request, `marked release ${from} failed; later rollbacks to "previous" skip it`);
}

// EXTERNAL MODULE: ../../packages/reporting/src/markdown.ts
var markdown = __webpack_require__(9766);
// EXTERNAL MODULE: ../../packages/reporting/src/host-label.ts
var host_label = __webpack_require__(6442);
// EXTERNAL MODULE: ../../packages/ssh/src/connect.ts
var connect = __webpack_require__(9057);
;// CONCATENATED MODULE: ../../packages/releases/src/abandoned-lock.ts




const HELD_LOCK_STATE = 'deploy-lock';
/**
 * Chooses the token of the deploy locks a run will take (pass it as the request's `lockToken`) and
 * leaves it, with the target, in the step's state before any lock is taken, so that the post step
 * can free them if the main step is cancelled or killed. The journal (pass it as the request's
 * `journal`) adds the switch to that state as it proceeds; each write replaces the whole record
 * (the runner keeps the last value saved under a name).
 */
function rememberDeployLock(state, target) {
    const lock = { target, token: (0,external_node_crypto_.randomUUID)() };
    const save = () => state.save(HELD_LOCK_STATE, JSON.stringify(lock));
    save();
    return {
        lockToken: lock.token,
        journal: {
            switching: (hosts) => {
                lock.switching = hosts;
                lock.settled = false;
                save();
            },
            settled: () => {
                lock.settled = true;
                save();
            },
        },
    };
}
/**
 * The post step of a run that took deploy locks: on every host, first, when the run was interrupted
 * during its switch (its journal says it began to switch and never settled), puts the host back on
 * the release it served before, with the site config as it was, reloaded (see `revertSwitch`: only
 * where `current` points at the run's release by the run's own switch, so a host another run has
 * switched since is left alone); then frees the lock the main step left behind if its token still
 * holds it (after a normal end there is none: nothing to do), putting back the site config when the
 * run installed one but was stopped before switching to its release. Hosts are reached in parallel
 * with a single connection attempt each, so one unreachable host does not keep the others locked; a
 * connection lost during a host's revert or unlock is replaced once by a new one. Never throws:
 * each host's outcome is in the result (empty when the run took no lock), and a freed lock, a host
 * put back or an unreachable host gets a line in `log`. Hosts that still serve different releases
 * afterwards (one could not be reached or put back, or the run kept no journal), or that the run was
 * switching and could not be put back, get a warning naming each one's release (or that it is unknown); the next deploy, or a rollback to `previous` (which takes every host to the
 * release before the newest live one), brings them together.
 */
async function freeLocksLeftBehind(state, settings, log) {
    const saved = state.get(HELD_LOCK_STATE);
    if (!saved)
        return [];
    const lock = JSON.parse(saved);
    const { targets, nginxReloadCommand } = settings();
    const cleanups = await Promise.all(targets.map(async (target) => {
        const host = (0,host_label/* hostLabel */.v)(target);
        const plan = lock.settled === false ? lock.switching?.[host] : undefined;
        try {
            const session = await (0,connect/* connectSsh */.LZ)({ ...target, connectAttempts: 1 }, log);
            try {
                // A connection lost mid-revert or mid-unlock is tried once more over a new one: the revert
                // script finishes on its own once started (see REVERT_SCRIPT), and both steps are safe to repeat.
                const reconnect = () => (0,connect/* connectSsh */.LZ)({ ...target, connectAttempts: 1 }, log);
                return await onAnySession(session, reconnect, (current) => settleHost(current, host, plan));
            }
            finally {
                await session.close();
            }
        }
        catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            log.warning(`${host}: could not free a deploy lock left behind (${reason}); the next deploy takes it over after lock-timeout`);
            return { host, freed: false, error: reason, unfinished: plan !== undefined };
        }
    }));
    /** Undoes the interrupted switch on one host (when it was switching), then frees the lock if still held. */
    async function settleHost(session, host, plan) {
        let undone;
        let unfinished = false;
        if (plan) {
            try {
                undone = await revertSwitch(session, {
                    target: lock.target,
                    releaseId: plan.to,
                    reloadCommand: nginxReloadCommand,
                    token: lock.token,
                });
            }
            catch (error) {
                if (error instanceof errors/* SshConnectionLostError */.Fd)
                    throw error;
                unfinished = true;
                log.warning(`${host}: the interrupted run was switching it from ${plan.previous || 'nothing'} to ${plan.to}, and putting it back failed: ${error instanceof Error ? error.message : String(error)}`);
            }
        }
        if (undone?.configRestored !== undefined)
            log.info(`${host}: put back the nginx config at ${undone.configRestored} as it was before the interrupted run`);
        if (plan && undone && !undone.reverted && (undone.current ?? '') === plan.previous && plan.previous !== plan.to)
            log.info(`${host}: already back on ${plan.previous || 'nothing'}: its switch to ${plan.to} was undone on the host itself`);
        if (undone?.reverted)
            log.info(`${host}: put back on ${plan?.previous || 'nothing'}: the interrupted run had switched it to ${plan?.to}, before the release was live on every host`);
        const { freed, serving, configRestored, configRestoreFailed } = await TargetLock.freeIfHeld(session, lock.target, lock.token);
        if (configRestored !== undefined)
            log.info(`${host}: put back the nginx config at ${configRestored}: the interrupted run installed it but never switched to its release`);
        if (configRestoreFailed !== undefined)
            log.warning(`${host}: the interrupted run installed an nginx config but never switched to its release, and putting the previous one back failed: ${configRestoreFailed}`);
        if (freed)
            log.info(`${host}: freed the deploy lock the interrupted run left behind; it serves ${serving ?? 'nothing'}`);
        return { host, freed, serving, putBack: undone?.reverted, unfinished };
    }
    const reached = cleanups.filter((cleanup) => cleanup.error === undefined);
    const unfinished = cleanups.filter((cleanup) => cleanup.unfinished);
    if (unfinished.length > 0 ||
        (cleanups.some((cleanup) => cleanup.freed) && new Set(reached.map((cleanup) => cleanup.serving)).size > 1)) {
        const serves = (cleanup) => cleanup.error !== undefined
            ? 'unknown, could not be reached'
            : `${cleanup.serving ?? 'nothing'}${cleanup.unfinished ? ', not put back' : ''}`;
        log.warning(`The interrupted run left the hosts serving different releases (${cleanups
            .map((cleanup) => `${cleanup.host}: ${serves(cleanup)}`)
            .join(', ')}); the next deploy, or a rollback to previous, brings them together`);
    }
    return cleanups;
}
/**
 * The job summary of a post step that found something left behind (see `freeLocksLeftBehind`): per
 * host, whether the lock was freed, whether the host was put back, and what it serves now; undefined
 * when there was nothing to clean up (the main step ended on its own and left nothing), so a post
 * step after a normal run adds nothing to the summary.
 */
function lockCleanupMarkdown(title, cleanups) {
    const acted = cleanups.filter((cleanup) => cleanup.freed || cleanup.putBack || cleanup.unfinished || cleanup.error !== undefined);
    if (acted.length === 0)
        return undefined;
    const table = (0,markdown/* markdownTable */.Qj)(['Host', 'Deploy lock', 'Put back', 'Serving'], cleanups.map((cleanup) => [
        cleanup.host,
        cleanup.error !== undefined ? `not reached: ${cleanup.error}` : cleanup.freed ? 'freed' : 'none left',
        cleanup.putBack ? 'yes' : cleanup.unfinished ? 'failed' : 'no',
        cleanup.error !== undefined ? 'unknown' : cleanup.serving || 'nothing',
    ]));
    return `### ${title}: clean-up after the interrupted run\n\n${table}`;
}

// EXTERNAL MODULE: ../../packages/ssh/src/target.ts
var target = __webpack_require__(4506);
;// CONCATENATED MODULE: ../../packages/releases/src/release-hosts.ts

/**
 * Connects every host of the SSH inputs (host keys verified, all or none: see `withSessions`), runs
 * `work` with them in input order, each able to reconnect, and closes every session afterwards.
 * `signal` is the run's cancel while connecting: it ends every connection attempt at once.
 * @throws the first connection's error (`HostKeyError`, `SshAuthError`, `SshConnectError`), or
 *   `signal.reason` on cancel, before `work` runs, with nothing changed on any host.
 */
async function withReleaseHosts(ssh, log, work, signal) {
    const targets = (0,target/* sshTargetsFrom */.N)(ssh);
    return (0,connect/* withSessions */.sH)(targets, log, (sessions) => work(sessions.map((session, index) => ({
        name: targets[index].host,
        session,
        reconnect: () => (0,connect/* connectSsh */.LZ)(targets[index], log),
    }))), signal);
}

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
        const live = await readLiveRelease(host.session, target, request.manifest, request.nginxConfig?.remotePath);
        return hostPlan(request, { host: host.name, label: host.session.label, target }, live, config);
    }));
    return {
        schema: PLAN_SCHEMA,
        target: 'frontend',
        releaseId: request.releaseId,
        build: manifestTotals(request.manifest),
        hosts: plans,
    };
}

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
    return `<details><summary>${(0,markdown/* markdownText */.p7)(host.label)}: the paths</summary>\n\n${lines.join('\n')}\n</details>\n`;
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
