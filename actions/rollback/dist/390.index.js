export const id = 390;
export const ids = [390];
export const modules = {

/***/ 2347:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   IR: () => (/* binding */ freeLocksLeftBehind),
/* harmony export */   S9: () => (/* binding */ rememberDeployLock),
/* harmony export */   TW: () => (/* binding */ lockCleanupMarkdown)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var _sophia_reporting__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9766);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6442);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9057);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8460);
/* harmony import */ var _release_host_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5021);




const HELD_LOCK_STATE = 'deploy-lock';
/**
 * Chooses the token of the deploy locks a run will take (pass it as the request's `lockToken`) and
 * leaves it, with the target, in the step's state before any lock is taken, so that the post step
 * can free them if the main step is cancelled or killed. The journal (pass it as the request's
 * `journal`) adds the switch to that state as it proceeds; each write replaces the whole record
 * (the runner keeps the last value saved under a name).
 */
function rememberDeployLock(state, target) {
    const lock = { target, token: (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)() };
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
        const host = (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_1__/* .hostLabel */ .v)(target);
        const plan = lock.settled === false ? lock.switching?.[host] : undefined;
        try {
            const session = await (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_2__/* .connectSsh */ .LZ)({ ...target, connectAttempts: 1 }, log);
            try {
                // A connection lost mid-revert or mid-unlock is tried once more over a new one: the revert
                // script finishes on its own once started (see REVERT_SCRIPT), and both steps are safe to repeat.
                const reconnect = () => (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_2__/* .connectSsh */ .LZ)({ ...target, connectAttempts: 1 }, log);
                return await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_3__/* .onAnySession */ .Kb)(session, reconnect, (current) => settleHost(current, host, plan));
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
                undone = await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_3__/* .revertSwitch */ .zq)(session, {
                    target: lock.target,
                    releaseId: plan.to,
                    reloadCommand: nginxReloadCommand,
                    token: lock.token,
                });
            }
            catch (error) {
                if (error instanceof _sophia_ssh__WEBPACK_IMPORTED_MODULE_4__/* .SshConnectionLostError */ .Fd)
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
        const { freed, serving, configRestored, configRestoreFailed } = await _release_host_js__WEBPACK_IMPORTED_MODULE_3__/* .TargetLock */ .rI.freeIfHeld(session, lock.target, lock.token);
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
    const table = (0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_5__/* .markdownTable */ .Qj)(['Host', 'Deploy lock', 'Put back', 'Serving'], cleanups.map((cleanup) => [
        cleanup.host,
        cleanup.error !== undefined ? `not reached: ${cleanup.error}` : cleanup.freed ? 'freed' : 'none left',
        cleanup.putBack ? 'yes' : cleanup.unfinished ? 'failed' : 'no',
        cleanup.error !== undefined ? 'unknown' : cleanup.serving || 'nothing',
    ]));
    return `### ${title}: clean-up after the interrupted run\n\n${table}`;
}


/***/ }),

/***/ 68:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   GN: () => (/* binding */ ReleaseHostError),
/* harmony export */   c8: () => (/* binding */ SourceError),
/* harmony export */   l3: () => (/* binding */ FrontendDeployFailedError),
/* harmony export */   so: () => (/* binding */ FrontendRollbackFailedError),
/* harmony export */   w$: () => (/* binding */ ReleaseRollbackRefusedError)
/* harmony export */ });
/* harmony import */ var _sophia_reporting__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4171);

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
class FrontendDeployFailedError extends _sophia_reporting__WEBPACK_IMPORTED_MODULE_0__/* .ReportedError */ .S {
    constructor(message, report) {
        super(message, report);
        this.name = 'FrontendDeployFailedError';
    }
}
/**
 * The rollback failed after hosts were locked and chosen for (a switch or a reload failed, or the
 * release rolled back from could not be marked failed): the report has every host's outcome.
 */
class FrontendRollbackFailedError extends _sophia_reporting__WEBPACK_IMPORTED_MODULE_0__/* .ReportedError */ .S {
    constructor(message, report) {
        super(message, report);
        this.name = 'FrontendRollbackFailedError';
    }
}


/***/ }),

/***/ 5794:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BB: () => (/* binding */ manifestTotals),
/* harmony export */   It: () => (/* binding */ manifestDigest),
/* harmony export */   MZ: () => (/* binding */ serializeManifest),
/* harmony export */   Ng: () => (/* binding */ parseManifest),
/* harmony export */   Q3: () => (/* binding */ sha256File),
/* harmony export */   _8: () => (/* binding */ scannedContent),
/* harmony export */   _X: () => (/* binding */ RELEASE_INFO_FILE),
/* harmony export */   bX: () => (/* binding */ scanSource),
/* harmony export */   gh: () => (/* binding */ resolveInBuild),
/* harmony export */   nJ: () => (/* binding */ RELEASE_MANIFEST_FILE)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_fs_promises__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_3___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_3__);
/* harmony import */ var node_perf_hooks__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(643);
/* harmony import */ var node_perf_hooks__WEBPACK_IMPORTED_MODULE_4___default = /*#__PURE__*/__webpack_require__.n(node_perf_hooks__WEBPACK_IMPORTED_MODULE_4__);
/* harmony import */ var _sophia_reporting__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(3277);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(68);







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
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
    for await (const chunk of (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(path, { highWaterMark: 1 << 20 }))
        hash.update(chunk);
    return hash.digest('hex');
}
/**
 * The sha256 (hex) of `data`, computed on libuv's thread pool (WebCrypto's digest runs as an
 * asynchronous crypto job), not on the event loop: the scan hashes the whole build while the SSH
 * handshakes run beside it, and hashing tens of megabytes on the event loop held each of their
 * messages back (up to a tenth of a second on a loaded runner) and used one core of several.
 */
async function sha256Off(data) {
    return Buffer.from(await node_crypto__WEBPACK_IMPORTED_MODULE_0__.webcrypto.subtle.digest('SHA-256', data)).toString('hex');
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
async function hashLargeFiles(root, files) {
    let next = 0;
    const lane = async () => {
        while (next < files.length) {
            const file = files[next++];
            const path = (0,node_path__WEBPACK_IMPORTED_MODULE_3__.join)(root, file.path);
            file.sha256 = file.size <= WHOLE_FILE_HASH_BYTES ? await sha256Off(await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readFile)(path)) : await sha256File(path);
        }
    };
    await Promise.all(Array.from({ length: Math.min(LARGE_FILE_LANES, files.length) }, lane));
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
    if (target.length === 0 || node_path__WEBPACK_IMPORTED_MODULE_3__.posix.isAbsolute(target))
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
        if (next.length === 0 || node_path__WEBPACK_IMPORTED_MODULE_3__.posix.isAbsolute(next))
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
        const resolution = resolveInBuild(node_path__WEBPACK_IMPORTED_MODULE_3__.posix.dirname(path) === '.' ? [] : node_path__WEBPACK_IMPORTED_MODULE_3__.posix.dirname(path).split('/'), target, links);
        if (resolution.kind === 'inside')
            continue;
        if (resolution.kind === 'loop') {
            const chain = resolution.links.map((link) => `"${link}" -> "${links.get(link)}"`).join(', ');
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`Symlink "${path}" is a loop: resolving it follows more than ${MAX_LINK_HOPS} links (as the server's kernel would, before failing with ELOOP) through ${chain}; fix or remove these links`);
        }
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`Symlink "${path}" points outside the build (to "${target}", followed through the build's other links); only links that resolve inside the source are deployed`);
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
async function scanSource(root) {
    let rootStat;
    try {
        rootStat = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(root);
    }
    catch {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`Input "source" names ${(0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_6__/* .describeValue */ .bp)(root)}, which does not exist`);
    }
    if (!rootStat.isDirectory())
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`Input "source" must be a directory, but "${root}" is not one`);
    const entries = [];
    const largeFiles = [];
    const contents = new Map();
    const links = new Map();
    const hashing = [];
    let hashingBytes = 0;
    let settledUpTo = 0;
    let cached = 0;
    let ranSince = node_perf_hooks__WEBPACK_IMPORTED_MODULE_4__.performance.now();
    const walk = async (relative) => {
        for (const name of (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readdirSync)(relative ? (0,node_path__WEBPACK_IMPORTED_MODULE_3__.join)(root, relative) : root)) {
            if (node_perf_hooks__WEBPACK_IMPORTED_MODULE_4__.performance.now() - ranSince > YIELD_AFTER_MS) {
                await new Promise((resolve) => setImmediate(resolve));
                ranSince = node_perf_hooks__WEBPACK_IMPORTED_MODULE_4__.performance.now();
            }
            const path = relative ? `${relative}/${name}` : name;
            if (CONTROL_CHARACTER.test(name)) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`The source contains ${(0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_6__/* .describeValue */ .bp)(path)}, a name with a control character: rename it (a site's names never need one, and a plan or log could not show it as it is)`);
            }
            if (!relative && RESERVED_NAMES.has(name)) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`The source contains "${name}", a name the deploy reserves for its own release record`);
            }
            const absolute = (0,node_path__WEBPACK_IMPORTED_MODULE_3__.join)(root, path);
            const stat = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.lstatSync)(absolute);
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
                    const data = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readFileSync)(absolute);
                    file.size = data.length;
                    if (data.length < OFF_LOOP_HASH_BYTES) {
                        file.sha256 = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(data).digest('hex');
                    }
                    else {
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
                }
                else {
                    largeFiles.push(file);
                }
            }
            else if (stat.isSymbolicLink()) {
                const target = (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.readlinkSync)(absolute);
                links.set(path, target);
                entries.push({ type: 'symlink', path, target });
            }
            else {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`The source contains "${path}", which is neither a file, a directory nor a symlink`);
            }
        }
    };
    await walk('');
    checkLinksStayInside(links);
    if (entries.length === 0)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_5__/* .SourceError */ .c8(`Input "source" names ${(0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_6__/* .describeValue */ .bp)(root)}, which is empty: there is nothing to deploy`);
    await Promise.all([...hashing.slice(settledUpTo).map(({ hashed }) => hashed), hashLargeFiles(root, largeFiles)]);
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
    const hash = (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256');
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


/***/ }),

/***/ 5021:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $F: () => (/* binding */ openSwitch),
/* harmony export */   Bh: () => (/* binding */ reinstallNginxConfig),
/* harmony export */   CL: () => (/* binding */ NGINX_COMMAND_TIMEOUT_MS),
/* harmony export */   Cg: () => (/* binding */ openUpload),
/* harmony export */   DB: () => (/* binding */ releaseDrift),
/* harmony export */   Dz: () => (/* binding */ sortReleasesNewestFirst),
/* harmony export */   Kb: () => (/* binding */ onAnySession),
/* harmony export */   U0: () => (/* binding */ switchRelease),
/* harmony export */   U4: () => (/* binding */ installNginxConfig),
/* harmony export */   W2: () => (/* binding */ markReleaseFailed),
/* harmony export */   ZP: () => (/* binding */ describeDrift),
/* harmony export */   aH: () => (/* binding */ startUpload),
/* harmony export */   b7: () => (/* binding */ releaseLockAnyhow),
/* harmony export */   dd: () => (/* binding */ completeUpload),
/* harmony export */   ho: () => (/* binding */ GatedScript),
/* harmony export */   jl: () => (/* binding */ writeReleaseInfo),
/* harmony export */   k2: () => (/* binding */ completeSwitch),
/* harmony export */   nL: () => (/* binding */ restoreNginxConfig),
/* harmony export */   qI: () => (/* binding */ readLiveRelease),
/* harmony export */   rI: () => (/* binding */ TargetLock),
/* harmony export */   tH: () => (/* binding */ listReleases),
/* harmony export */   zq: () => (/* binding */ revertSwitch)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_crypto__WEBPACK_IMPORTED_MODULE_0__);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8161);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_os__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7075);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_stream__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(8460);
/* harmony import */ var _manifest_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(5794);
/* harmony import */ var _release_id_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(9894);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(68);
/* harmony import */ var _release_info_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5699);
/* harmony import */ var _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8176);









/**
 * A remote script opened ahead of time that runs only when started (see `gated`): on a link with
 * 40 ms round trips, each channel opened early takes two of them off the deploy's critical path.
 */
class GatedScript {
    input = new node_stream__WEBPACK_IMPORTED_MODULE_2__.PassThrough();
    opened = false;
    result;
    /** `signal`, once aborted, kills the remote script (started or not) and rejects `result` with its reason. */
    constructor(session, purpose, script, args, okExitCodes, signal) {
        // A script that ends early (connection lost) closes its stdin; late writes must not throw.
        this.input.on('error', () => undefined);
        this.result = session.runScript(purpose, (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .gated */ .aH)(script), args, { stdin: this.input, okExitCodes, signal });
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
            listing.current = (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseIdFromLink */ .Xm)(value);
        if (key === 'release' && _release_id_js__WEBPACK_IMPORTED_MODULE_5__/* .RELEASE_ID_PATTERN */ .Z.test(value))
            listing.releases.push({ id: value });
        if (key === 'release-info' && listing.releases.length > 0) {
            const last = listing.releases[listing.releases.length - 1];
            if (last.info === undefined)
                last.info = (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .parseReleaseInfo */ .TD)(value);
        }
    }
    return listing;
}
/** The releases on a target and which one is live. Read-only, no lock: for rollback's planning and for reports. */
async function listReleases(session, target) {
    const { stdout } = await session.runScript('list releases', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .LIST_SCRIPT */ .zx, [target]);
    const { current, releases } = listingFrom((0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(stdout));
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
        const manifest = (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .parseManifest */ .Ng)(records[index + 1]?.[0] === 'newer-manifest' ? records[index + 1][1] : '');
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
    const result = await session.runScript('check the release for files changed on the server', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .RELEASE_DRIFT_SCRIPT */ .me, [target, releaseId], {
        okExitCodes: [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.missingRelease],
    });
    if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.missingRelease)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `${session.label}: ${result.stderr.trim()}`);
    const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout);
    return driftFrom(records, 'drift', (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .parseManifest */ .Ng)(records.find(([key]) => key === 'manifest')?.[1] ?? ''));
}
/**
 * Reads, without the lock and without changing anything, what a plan compares the build with: the
 * live release, its manifest (not sent back when its digest is the build's), its files changed on
 * the server, a lock held now, and the site config at `configPath` when given. One round trip.
 * @throws what the session throws when the script cannot run (a lost connection).
 */
async function readLiveRelease(session, target, build, configPath) {
    const { stdout } = await session.runScript('read the live release', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .PLAN_SCRIPT */ .ie, [
        target,
        (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .manifestDigest */ .It)(build),
        configPath ?? '',
    ]);
    const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(stdout);
    const value = (name) => records.find(([key]) => key === name)?.[1];
    const isBuild = value('current-same') !== undefined;
    const manifest = isBuild ? build : (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .parseManifest */ .Ng)(value('current-manifest') ?? '');
    const link = value('current');
    const locked = value('locked');
    const config = value('config');
    return {
        current: link === undefined ? '' : ((0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseIdFromLink */ .Xm)(link) ?? link),
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
        const token = options.token ?? (0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomUUID)();
        const owner = [
            `run=${options.owner.runId}`,
            `url=${options.owner.runUrl ?? ''}`,
            `runner=${options.owner.runner ?? (0,node_os__WEBPACK_IMPORTED_MODULE_1__.hostname)()}`,
            `time=${new Date().toISOString()}`,
            `token=${token}`,
        ].join('\n');
        const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1000));
        // The unlock is opened now, beside the lock: freeing the lock later costs no channel set-up.
        const finish = new GatedScript(session, 'prune releases and unlock', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .FINISH_SCRIPT */ .Qb, [target, token]);
        let result;
        try {
            result = await session.runScript('lock and inspect the target', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .BEGIN_SCRIPT */ .wH, [
                target,
                String(seconds),
                options.releaseId ?? '',
                options.manifest ? (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .manifestDigest */ .It)(options.manifest) : '',
                owner,
                options.known ? (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .manifestDigest */ .It)(options.known) : '',
                options.record && options.manifest ? (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .serializeReleaseInfo */ .mB)(options.record) : '',
            ], { okExitCodes: [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.lockTimeout, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.notSymlink], signal: options.signal });
        }
        catch (error) {
            await finish.abort();
            throw error;
        }
        if (result.code !== 0)
            await finish.abort();
        if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.lockTimeout) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `${target} on ${session.label} is locked by another deploy: ${describeHolder(result.stderr)}; waited ${seconds}s (lock-timeout). ` +
                `If that run is gone, the lock is taken over once its heartbeat is older than lock-timeout.`);
        }
        if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.notSymlink)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `${session.label}: ${result.stderr.trim()}`);
        const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout);
        const listing = listingFrom(records);
        const has = (key) => records.some(([name]) => name === key);
        const manifestOf = (same, sent) => has(same) ? options.manifest : (0,_manifest_js__WEBPACK_IMPORTED_MODULE_6__/* .parseManifest */ .Ng)(records.find(([key]) => key === sent)?.[1] ?? '');
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
        const { stdout } = await session.runScript('free the deploy lock', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .FINISH_SCRIPT */ .Qb, [target, token], { stdin: '' });
        const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(stdout);
        const link = records.find(([key]) => key === 'current')?.[1];
        return {
            freed: records.some(([key]) => key === 'unlocked'),
            serving: link === undefined ? undefined : (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseIdFromLink */ .Xm)(link),
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
        const input = new node_stream__WEBPACK_IMPORTED_MODULE_2__.PassThrough();
        const done = this.session
            .runScript('keep the deploy lock alive', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .HEARTBEAT_SCRIPT */ .Xi, [this.lockDir, this.token], { stdin: input })
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
                : await this.session.runScript('prune releases and unlock', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .FINISH_SCRIPT */ .Qb, [this.target, this.token], {
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
        if (!(0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout).some(([key]) => key === 'unlocked'))
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
    const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(stdout);
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
        if (!(error instanceof _sophia_ssh__WEBPACK_IMPORTED_MODULE_8__/* .SshConnectionLostError */ .Fd) || !reconnect)
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
    return new GatedScript(session, 'upload and build the release', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .UPLOAD_SCRIPT */ .I4, [target, releaseId], [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.buildFailed], signal);
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
    if (result.code !== _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.buildFailed)
        return;
    const freeKib = Number((0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout).find(([key]) => key === 'available-kib')?.[1] ?? NaN);
    const free = Number.isFinite(freeKib) ? `${freeKib * 1024} bytes are free` : 'the free space could not be read';
    const words = result.stderr.trim();
    if (/No space left on device|Disk quota exceeded/i.test(words)) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `Not enough space in ${target} on ${session.label} for release ${releaseId}: its new files need ${neededBytes} bytes, ${free} (after removing the partial release); nothing was changed:\n${words}`);
    }
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `Building release ${releaseId} in ${target} on ${session.label} failed; the partial release was removed and nothing was changed (${free}):\n${words}`);
}
const SWITCH_EXITS = [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.reloadFailed, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.missingRelease];
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
    const result = await session.runScript('switch the live release', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .SWITCH_SCRIPT */ .hQ, switchingArgs(args), {
        okExitCodes: SWITCH_EXITS,
    });
    return completeSwitch(session, result);
}
/** Opens the switch ahead of time; finish it with `completeSwitch(session, await gate.start())`. */
function openSwitch(session, args) {
    return new GatedScript(session, 'switch the live release', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .SWITCH_SCRIPT */ .hQ, switchingArgs(args), SWITCH_EXITS);
}
/** Reads a switch's outcome: the previous release, or the error naming why the switch was undone. */
function completeSwitch(session, result) {
    if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.missingRelease)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `${session.label}: ${result.stderr.trim()}`);
    if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.reloadFailed) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `Reloading nginx failed on ${session.label}, so the previous release stays live: ${result.stderr.trim()}`);
    }
    const previousLink = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout).find(([key]) => key === 'previous')?.[1];
    return { previous: (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseIdFromLink */ .Xm)(previousLink) };
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
    const result = await session.runScript('put the previous release back', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .REVERT_SCRIPT */ .dp, switchingArgs(args), {
        okExitCodes: [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.reloadFailed],
    });
    if (result.code === _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.reloadFailed) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `The previous release is back in place on ${session.label}, but reloading nginx failed: ${result.stderr.trim()}`);
    }
    const records = (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout);
    return {
        current: (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .releaseIdFromLink */ .Xm)(records.find(([key]) => key === 'current')?.[1]),
        reverted: records.some(([key]) => key === 'reverted'),
        configRestored: records.find(([key]) => key === 'config-restored')?.[1],
    };
}
/** Replaces a release's record (`.deploy/records/<id>/release.json`). */
async function writeReleaseInfo(session, target, info) {
    await session.runScript('write the release record', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .WRITE_INFO_SCRIPT */ .nP, [target, info.id], {
        stdin: (0,_release_info_js__WEBPACK_IMPORTED_MODULE_4__/* .serializeReleaseInfo */ .mB)(info),
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
    const result = await session.runScript('install and test the nginx config', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .NGINX_INSTALL_SCRIPT */ .ni, [target, configPath, testCommand ?? '', boundSeconds(timeoutMs), releaseId, lockToken], {
        stdin: config,
        okExitCodes: [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.nginxTest],
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
    const result = await session.runScript('install and test the nginx config of the release', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .NGINX_REINSTALL_SCRIPT */ .cy, [target, releaseId, testCommand ?? '', boundSeconds(timeoutMs), lockToken], { okExitCodes: [0, _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.nginxTest] });
    refusedConfig(session, result, `Testing the nginx config of release ${releaseId} did not finish`, `nginx refused the config of release ${releaseId}`);
    return (0,_remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .parseRecords */ .Q4)(result.stdout).find(([key]) => key === 'config-path')?.[1];
}
/** The error of a config test that failed (`timedOut` or `refused` as the verdict), or nothing when it passed. */
function refusedConfig(session, result, timedOut, refused) {
    if (result.code !== _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .EXIT */ .dc.nginxTest)
        return;
    const words = result.stderr.trim();
    const verdict = words.startsWith('the test command timed out') ? timedOut : refused;
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ReleaseHostError */ .GN(session.label, `${verdict} on ${session.label}; the previous config was restored and the live site is unchanged: ${words}`);
}
/** Puts back the config that was installed before this run's `installNginxConfig` or `reinstallNginxConfig`. */
async function restoreNginxConfig(session, target, configPath) {
    await session.runScript('restore the previous nginx config', _remote_scripts_js__WEBPACK_IMPORTED_MODULE_3__/* .NGINX_RESTORE_SCRIPT */ .i0, [target, configPath]);
}


/***/ }),

/***/ 3476:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   B: () => (/* binding */ withReleaseHosts)
/* harmony export */ });
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4506);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9057);

/**
 * Connects every host of the SSH inputs (host keys verified, all or none: see `withSessions`), runs
 * `work` with them in input order, each able to reconnect, and closes every session afterwards.
 * `signal` is the run's cancel while connecting: it ends every connection attempt at once.
 * @throws the first connection's error (`HostKeyError`, `SshAuthError`, `SshConnectError`), or
 *   `signal.reason` on cancel, before `work` runs, with nothing changed on any host.
 */
async function withReleaseHosts(ssh, log, work, signal) {
    const targets = (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_0__/* .sshTargetsFrom */ .N)(ssh);
    return (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_1__/* .withSessions */ .sH)(targets, log, (sessions) => work(sessions.map((session, index) => ({
        name: targets[index].host,
        session,
        reconnect: () => (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_1__/* .connectSsh */ .LZ)(targets[index], log),
    }))), signal);
}


/***/ }),

/***/ 5699:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Q9: () => (/* binding */ releaseOrigin),
/* harmony export */   TD: () => (/* binding */ parseReleaseInfo),
/* harmony export */   Xm: () => (/* binding */ releaseIdFromLink),
/* harmony export */   mB: () => (/* binding */ serializeReleaseInfo)
/* harmony export */ });
/* harmony import */ var _release_id_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9894);

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
    return id !== undefined && _release_id_js__WEBPACK_IMPORTED_MODULE_0__/* .RELEASE_ID_PATTERN */ .Z.test(id) ? id : undefined;
}


/***/ }),

/***/ 8176:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C_: () => (/* binding */ RECORD_MANIFEST),
/* harmony export */   I1: () => (/* binding */ RECORD_NGINX_CONFIG_PATH),
/* harmony export */   I4: () => (/* binding */ UPLOAD_SCRIPT),
/* harmony export */   Q4: () => (/* binding */ parseRecords),
/* harmony export */   Qb: () => (/* binding */ FINISH_SCRIPT),
/* harmony export */   SU: () => (/* binding */ RECORD_INFO),
/* harmony export */   TX: () => (/* binding */ RECORD_DIGEST),
/* harmony export */   Xi: () => (/* binding */ HEARTBEAT_SCRIPT),
/* harmony export */   _B: () => (/* binding */ RECORD_NGINX_CONFIG),
/* harmony export */   aH: () => (/* binding */ gated),
/* harmony export */   bD: () => (/* binding */ releasePath),
/* harmony export */   cy: () => (/* binding */ NGINX_REINSTALL_SCRIPT),
/* harmony export */   dc: () => (/* binding */ EXIT),
/* harmony export */   dp: () => (/* binding */ REVERT_SCRIPT),
/* harmony export */   fk: () => (/* binding */ RECORD_STAT),
/* harmony export */   hQ: () => (/* binding */ SWITCH_SCRIPT),
/* harmony export */   i0: () => (/* binding */ NGINX_RESTORE_SCRIPT),
/* harmony export */   ie: () => (/* binding */ PLAN_SCRIPT),
/* harmony export */   me: () => (/* binding */ RELEASE_DRIFT_SCRIPT),
/* harmony export */   nP: () => (/* binding */ WRITE_INFO_SCRIPT),
/* harmony export */   ni: () => (/* binding */ NGINX_INSTALL_SCRIPT),
/* harmony export */   v7: () => (/* binding */ RECORDS_DIR),
/* harmony export */   wH: () => (/* binding */ BEGIN_SCRIPT),
/* harmony export */   zx: () => (/* binding */ LIST_SCRIPT)
/* harmony export */ });
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
 * restat_live: a prune removes a hard link to every file the kept releases shared with the pruned
 * one, and the kernel moves those files' ctime (inode(7)), so the live release's stat record (see
 * RECORD_STAT) no longer matches any of them: the next deploy would hash every shared file under
 * the lock, send each back as a drift candidate, and, with candidates, not clone a build the host
 * already holds. So after a prune the live release's record is taken again, but only when nothing
 * but ctimes moved (size, mode, mtime, inode and path of every file as recorded) and the record was
 * written under the lock this run still holds ($L, its owner file older than the record): this run
 * built that release, so the only edit a fresh record could hide is one made during this run, to a
 * file shared with the pruned release, that also put back its mtime. Anything else that moved keeps
 * the old record, so the next deploy checks it. Run in the target directory.
 */
const RESTAT_LIVE = `restat_live() {
  S=$(readlink current 2>/dev/null || true)
  case $S in releases/*/* | releases/.*) return 0 ;; releases/?*) ;; *) return 0 ;; esac
  RS="${RECORDS_DIR}/\${S#releases/}"
  [ -f "$RS/${RECORD_STAT}" ] && [ "$RS/${RECORD_STAT}" -nt "$L/owner" ] || return 0
  find "$S/" -type f -printf '${STAT_FORMAT}' | sort -z > "$RS/stat.now" &&
    cut -z -d ' ' -f 1-4,6- "$RS/${RECORD_STAT}" > "$RS/stat.was" &&
    cut -z -d ' ' -f 1-4,6- "$RS/stat.now" | cmp -s "$RS/stat.was" - &&
    mv "$RS/stat.now" "$RS/${RECORD_STAT}"
  rm -f "$RS/stat.now" "$RS/stat.was"
}`;
/**
 * finish_run: prunes the release ids read from stdin, one per line (never releases/$KEEP when set),
 * and frees the lock while it is still run $TOKEN's. A release that cannot be removed is reported
 * (\`prune-failed\`), never a reason to keep the lock; \`unlocked\` says the lock was freed. A site
 * config this run installed (CONFIG_RUN names its token) for a release that \`current\` does not
 * point at goes back to the one it replaced: a run cancelled between the config and the switch
 * leaves the config that matches the live release; a run that switched leaves its own. Run in the
 * target directory.
 */
const FINISH_RUN = `${RESTAT_LIVE}
finish_run() {
  pruned_any=
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    # The release a switch just replaced is never pruned, whatever the client computed.
    [ "releases/$id" != "\${KEEP:-}" ] || continue
    if err=$(rm -rf -- "releases/$id" 2>&1) && err=$(rm -rf -- "${RECORDS_DIR}/$id" 2>&1); then
      record pruned "$id"
      pruned_any=yes
    else
      record prune-failed "$id"
      printf '%s\\n' "$err" >&2
    fi
  done
  L=.deploy/lock
  M=.deploy/${CONFIG_RUN}
  if [ "$(token_of "$L")" = "$TOKEN" ]; then
    [ -z "$pruned_any" ] || restat_live || true
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


/***/ }),

/***/ 4187:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   F: () => (/* binding */ rollbackFrontend),
/* harmony export */   b: () => (/* binding */ chooseRelease)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(68);
/* harmony import */ var _release_host_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5021);
/* harmony import */ var _switch_hosts_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9405);



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
    const ordered = (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .sortReleasesNewestFirst */ .Dz)(listing.releases);
    const available = ordered.map((release) => describeRelease(release, listing.current)).join(', ') || 'none';
    const from = listing.current;
    if (to.kind === 'previous') {
        const liveAt = ordered.findIndex((release) => release.id === from);
        if (from === undefined || liveAt < 0) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(`${label}: no live release to roll back from (releases: ${available}); nothing was changed`);
        }
        const target = ordered.slice(liveAt + 1).find((release) => release.info?.status === 'complete');
        if (!target) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(`${label}: no complete release older than the live ${from} that is not marked failed (releases: ${available}); nothing was changed`);
        }
        return { from, to: target.id, alreadyLive: false, warnings: [] };
    }
    const target = listing.releases.find((release) => release.id === to.releaseId);
    if (!target) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(`${label}: there is no release ${to.releaseId}; available releases: ${available}`);
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
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}
/** A line about one host: kept for its report and passed on, labelled, as it happens. */
function note(run, request, line) {
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
            const listing = await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .listReleases */ .tH)(run.host.session, run.target);
            return listing.current === undefined && listing.releases.length === 0 ? run : undefined;
        }));
        const missing = empty.filter((run) => run !== undefined);
        if (missing.length > 0) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(missing
                .map((run) => `${run.host.session.label}: ${run.target} holds no releases (is "target" the directory deploys go to?); nothing was changed`)
                .join('\n'));
        }
        const locked = await Promise.allSettled(runs.map(async (run) => {
            run.lock = await _release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .TargetLock */ .rI.acquire(run.host.session, run.target, {
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
                if (!(error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$))
                    throw error;
                refusals.push(error.message);
            }
        }
        if (refusals.length > 0)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(refusals.join('\n'));
        await refuseChangedReleases(runs);
        for (const run of runs)
            for (const warning of run.choice.warnings)
                warn(warning);
        const switching = runs.filter((run) => !run.choice.alreadyLive);
        for (const run of runs.filter((run) => run.choice.alreadyLive)) {
            run.outcome = 'already live';
            note(run, request, `release ${run.choice.to} is already live; nothing to switch`);
        }
        await installReleaseConfigs(runs, request);
        request.journal?.switching(Object.fromEntries(switching.map((run) => [run.host.session.label, { to: run.choice.to, previous: run.choice.from ?? '' }])));
        const switchErrors = await (0,_switch_hosts_js__WEBPACK_IMPORTED_MODULE_2__/* .switchEveryHost */ .a)(switching, async (run) => {
            note(run, request, `switching current from ${run.choice.from ?? '(nothing)'} to ${run.choice.to}`);
            await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .switchRelease */ .U0)(run.host.session, switchArgs(run, request));
            run.outcome = 'switched';
        });
        switchErrors.forEach((error, index) => {
            if (error === undefined)
                return;
            switching[index].error = errorMessage(error);
            note(switching[index], request, `switch failed: ${switching[index].error}`);
        });
        const switchFailure = switchErrors.find((error) => error !== undefined);
        if (switchFailure !== undefined) {
            // The revert acts only where current points at the rollback's target by this run's switch, so a
            // host that never switched is left alone; it puts back the config first, so the reload loads the
            // config that goes with the release put back.
            const reverting = switching.filter((run) => run.switched || run.switchUnknown || run.configPath !== undefined);
            const reverted = await Promise.allSettled(reverting.map(async (run) => {
                const wasSwitched = run.switched;
                await (0,_switch_hosts_js__WEBPACK_IMPORTED_MODULE_2__/* .putBack */ .p)(run, switchArgs(run, request));
                return wasSwitched;
            }));
            reverted.forEach((result, index) => {
                const run = reverting[index];
                if (result.status === 'fulfilled') {
                    run.outcome = result.value ? 'put back' : 'not switched';
                    note(run, request, `back on ${run.choice.from ?? '(nothing)'}, as before this rollback`);
                }
                else {
                    run.outcome = 'unknown';
                    const why = `putting it back on ${run.choice.from ?? '(nothing)'} failed: ${errorMessage(result.reason)}`;
                    run.error = run.error ? `${run.error}; ${why}` : why;
                    note(run, request, why);
                }
            });
            const revertFailure = firstFailure(reverted);
            if (revertFailure === undefined)
                request.journal?.settled();
            const after = revertFailure === undefined
                ? 'every host is back on the release it had'
                : `putting the other hosts back failed too: ${errorMessage(revertFailure)}`;
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .FrontendRollbackFailedError */ .so(`Rollback failed: ${errorMessage(switchFailure)}; ${after}`, reportOf(runs));
        }
        request.journal?.settled();
        if (request.markFailed) {
            for (const run of switching) {
                try {
                    await markFailed(run, request, warn);
                }
                catch (error) {
                    run.error = `switched, but marking ${run.choice.from} failed did not work: ${errorMessage(error)}`;
                    note(run, request, run.error);
                }
            }
            const unmarked = switching.filter((run) => run.error !== undefined);
            if (unmarked.length > 0) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .FrontendRollbackFailedError */ .so(`Rollback switched every host, but ${unmarked.map((run) => `${run.host.session.label}: ${run.error}`).join('; ')}`, reportOf(runs));
            }
        }
        return reportOf(runs);
    }
    finally {
        await Promise.allSettled(runs.map((run) => (run.lock ? (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .releaseLockAnyhow */ .b7)(run.lock, [], run.host.reconnect) : undefined)));
    }
}
/** How this run's switch to its chosen release reaches the host, and how it is undone (see `revertSwitch`). */
function switchArgs(run, request) {
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
        run.configPath = await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .reinstallNginxConfig */ .Bh)(run.host.session, run.target, run.choice.to, request.nginxTestCommand, request.nginxCommandTimeoutMs, run.lock.token);
        if (run.configPath !== undefined)
            note(run, request, `installed the nginx config release ${run.choice.to} went live with at ${run.configPath}`);
    }));
    installed.forEach((result, index) => {
        if (result.status === 'rejected')
            switching[index].error = errorMessage(result.reason);
    });
    const failure = firstFailure(installed);
    if (failure === undefined)
        return;
    const restored = await Promise.allSettled(switching
        .filter((run) => run.configPath !== undefined)
        .map(async (run) => {
        try {
            await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .restoreNginxConfig */ .nL)(run.host.session, run.target, run.configPath);
            run.configPath = undefined;
        }
        catch (error) {
            run.error = `putting back the config at ${run.configPath} failed: ${errorMessage(error)}`;
            throw error;
        }
    }));
    const restoreFailure = firstFailure(restored);
    const after = restoreFailure === undefined
        ? 'no host was switched and every config is as it was'
        : `no host was switched, but putting back a config failed: ${errorMessage(restoreFailure)}`;
    throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .FrontendRollbackFailedError */ .so(`Rollback failed: ${errorMessage(failure)}; ${after}`, reportOf(runs));
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
        const drift = await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .releaseDrift */ .DB)(run.host.session, run.target, run.choice.to);
        const label = run.host.session.label;
        return drift.length === 0
            ? undefined
            : `${label}: release ${run.choice.to} has ${drift.length} file(s) changed on the server since it was built (${(0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .describeDrift */ .ZP)(drift)}); ` +
                `switching to it would serve bytes that are not its build's, so nothing was changed. Deploy that build again ` +
                `(with release-id ${run.choice.to} it is rebuilt from the build) or roll back to another release`;
    }));
    const refusals = changed.filter((message) => message !== undefined);
    if (refusals.length > 0)
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ReleaseRollbackRefusedError */ .w$(refusals.join('\n'));
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
    await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_0__/* .markReleaseFailed */ .W2)(run.host.session, run.target, info, `rolled back to ${to}${by}`);
    run.markedFailed = true;
    note(run, request, `marked release ${from} failed; later rollbacks to "previous" skip it`);
}


/***/ }),

/***/ 9405:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a: () => (/* binding */ switchEveryHost),
/* harmony export */   p: () => (/* binding */ putBack)
/* harmony export */ });
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8460);
/* harmony import */ var _release_host_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5021);


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
            if (error instanceof _sophia_ssh__WEBPACK_IMPORTED_MODULE_0__/* .SshConnectionLostError */ .Fd)
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
    const revert = await (0,_release_host_js__WEBPACK_IMPORTED_MODULE_1__/* .onAnySession */ .Kb)(run.host.session, run.host.reconnect, (session) => (0,_release_host_js__WEBPACK_IMPORTED_MODULE_1__/* .revertSwitch */ .zq)(session, args));
    run.switched = false;
    run.switchUnknown = false;
    return revert;
}


/***/ })

};
