export const id = 923;
export const ids = [923];
export const modules = {

/***/ 3923:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  connectSsh: () => (/* reexport */ connectSsh),
  sshTargetsFrom: () => (/* reexport */ sshTargetsFrom)
});

// UNUSED EXPORTS: HostKeyError, PRIVATE_KEY_SHAPE, RemoteCommandError, SshAuthError, SshConnectError, SshConnectionLostError, SshKeyError, SshSession, checkKnownHosts, connectAll, describeKey, fingerprintOf, hostFieldMatches, hostKeyCheck, hostLabel, keyTypeOf, knownHostsLine, knownHostsName, parseKnownHosts, sameFingerprint, shellCommand, shellQuote, stderrTail, withSessions

;// CONCATENATED MODULE: ../../packages/ssh/src/target.ts
/** One target per host of the request; a port given with the host wins over the request's `port`. */
function sshTargetsFrom(settings) {
    return settings.hosts.map((entry) => ({
        host: entry.host,
        port: entry.port ?? settings.port,
        user: settings.user,
        privateKey: settings.privateKey,
        passphrase: settings.passphrase,
        hostKeys: settings.hostKeys,
        connectTimeoutMs: settings.connectTimeoutMs,
        connectAttempts: settings.connectAttempts,
    }));
}
/** The one name of a host: defined beside the reports, where the inputs check repeated hosts with it too. */


// EXTERNAL MODULE: ../../packages/ssh/src/request.ts
var request = __webpack_require__(6566);
;// CONCATENATED MODULE: ../../packages/reporting/src/log.ts
/** A log that drops everything: the default where a caller gives none. */
const log_silentLog = {
    info: () => { },
    warning: () => { },
    debug: () => { },
    group: (_title, work) => work(),
};

// EXTERNAL MODULE: ../../node_modules/.pnpm/ssh2@1.17.0_patch_hash=3c077da7b203002126fe8ad4a9abc07d0a7c034bb38c72db7b581040f458a719/node_modules/ssh2/lib/index.js
var lib = __webpack_require__(3825);
var lib_default = /*#__PURE__*/__webpack_require__.n(lib);
;// CONCATENATED MODULE: ../../packages/ssh/src/errors.ts
/**
 * Every error the SSH layer throws lives here; none of them is an `InputError` (that is the inputs
 * layer's, thrown while inputs are read). Messages name the input a user would fix, as a hint.
 */
/**
 * The private key cannot be used: its body cannot be parsed (`reason: 'unreadable'`, usually a
 * partial paste) or it cannot be decrypted with the passphrase given (`reason: 'passphrase'`).
 * Raised before any connection is attempted; never retried.
 */
class SshKeyError extends Error {
    reason;
    constructor(reason, message) {
        super(message);
        this.reason = reason;
        this.name = 'SshKeyError';
    }
}
/** The server is not the one the user said to trust. Never retried: retrying cannot make an impostor genuine. */
class HostKeyError extends Error {
    host;
    presentedFingerprint;
    expectedFingerprints;
    constructor(host, presentedFingerprint, expectedFingerprints, message) {
        super(message);
        this.host = host;
        this.presentedFingerprint = presentedFingerprint;
        this.expectedFingerprints = expectedFingerprints;
        this.name = 'HostKeyError';
    }
}
/** The server refused our key. Never retried: the same key will be refused again. */
class SshAuthError extends Error {
    host;
    constructor(host, message) {
        super(message);
        this.host = host;
        this.name = 'SshAuthError';
    }
}
/** No usable connection after every attempt (refused, timed out, dropped during the handshake). */
class SshConnectError extends Error {
    host;
    attempts;
    constructor(host, attempts, message, options) {
        super(message, options);
        this.host = host;
        this.attempts = attempts;
        this.name = 'SshConnectError';
    }
}
/** An established connection failed while a command was running or about to run. */
class SshConnectionLostError extends Error {
    host;
    purpose;
    constructor(host, purpose, message) {
        super(message);
        this.host = host;
        this.purpose = purpose;
        this.name = 'SshConnectionLostError';
    }
}
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;
/** The last lines of a command's stderr: where tools print why they failed. */
function stderrTail(stderr) {
    const lines = stderr.replace(/\s+$/, '').split('\n');
    const tail = lines.slice(-TAIL_LINES).join('\n');
    return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
}
/** A remote command ended with an exit code its caller did not allow. */
class RemoteCommandError extends Error {
    host;
    purpose;
    code;
    signal;
    stderr;
    stderrTail;
    constructor(host, purpose, code, signal, stderr, ending = code === null ? `killed by signal ${signal ?? 'unknown'}` : `exit code ${code}`) {
        const tail = stderrTail(stderr);
        super(`${purpose} failed on ${host} (${ending})${tail ? `:\n${tail}` : ' with no error output'}`);
        this.host = host;
        this.purpose = purpose;
        this.code = code;
        this.signal = signal;
        this.stderr = stderr;
        this.name = 'RemoteCommandError';
        this.stderrTail = tail;
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ../../packages/ssh/src/fingerprint.ts

/** OpenSSH's `SHA256:<base64 without padding>` fingerprint of a public key blob. */
function fingerprintOf(keyBlob) {
    return `SHA256:${(0,external_node_crypto_.createHash)('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
/** The key type named inside a public key blob (its first SSH string), e.g. `ssh-ed25519`. */
function keyTypeOf(keyBlob) {
    if (keyBlob.length < 4)
        return 'unknown';
    const length = keyBlob.readUInt32BE(0);
    if (length > 64 || 4 + length > keyBlob.length)
        return 'unknown';
    return keyBlob.subarray(4, 4 + length).toString('latin1');
}
/** `ssh-ed25519 SHA256:...`: how a key is named in messages. */
function describeKey(keyBlob) {
    return `${keyTypeOf(keyBlob)} ${fingerprintOf(keyBlob)}`;
}
/** Compares fingerprints the way users write them: with or without base64 padding. */
function sameFingerprint(a, b) {
    return a.trim().replace(/=+$/, '') === b.trim().replace(/=+$/, '');
}

;// CONCATENATED MODULE: ../../packages/ssh/src/known-hosts.ts


/** The name OpenSSH records a host under: `host` on port 22, `[host]:port` elsewhere. */
function knownHostsName(host, port) {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    return port === 22 ? bare : `[${bare}]:${port}`;
}
/** One known_hosts line for a host and a public key line (`type base64 [comment]`). */
function knownHostsLine(host, port, publicKey) {
    const [type, base64] = publicKey.trim().split(/\s+/);
    return `${knownHostsName(host, port)} ${type} ${base64}`;
}
/**
 * Parses known_hosts text: comments, blank and malformed lines are skipped (as OpenSSH skips them), `line` is 1-based.
 * Never throws.
 */
function parseKnownHosts(text) {
    const entries = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (!line || line.startsWith('#'))
            return;
        const fields = line.split(/\s+/);
        let marker;
        if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
            marker = fields.shift() === '@revoked' ? 'revoked' : 'cert-authority';
        }
        const [hosts, keyType, base64] = fields;
        if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,3}$/.test(base64))
            return;
        entries.push({ marker, hosts, keyType, key: Buffer.from(base64, 'base64'), line: index + 1 });
    });
    return entries;
}
function globToRegExp(pattern) {
    const body = pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.');
    return new RegExp(`^${body}$`, 'i');
}
function hashedNameMatches(hashed, name) {
    const [, , salt, hash] = hashed.split('|');
    if (!salt || !hash)
        return false;
    const computed = (0,external_node_crypto_.createHmac)('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return computed === hash;
}
/** OpenSSH semantics: a negated pattern that matches excludes the host even if another pattern matches. */
function hostFieldMatches(hosts, name) {
    if (hosts.startsWith('|1|'))
        return hashedNameMatches(hosts, name);
    let matched = false;
    for (const pattern of hosts.split(',')) {
        const negated = pattern.startsWith('!');
        if (globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) {
            if (negated)
                return false;
            matched = true;
        }
    }
    return matched;
}
/** The plain-key entries that name this host (certificate authorities are not host keys; revocations are separate). */
function entriesFor(entries, name) {
    return entries.filter((entry) => entry.marker === undefined && hostFieldMatches(entry.hosts, name));
}
/**
 * Looks up the key a host presented under `name` (see knownHostsName), with OpenSSH's rules: a @revoked key is refused
 * for every host, @cert-authority lines are not host keys.
 */
function checkKnownHosts(entries, name, presented) {
    // A revoked key is refused for every host: revocation exists precisely for keys that leaked.
    const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.key.equals(presented));
    if (revoked)
        return { verdict: 'revoked', entry: revoked };
    const candidates = entriesFor(entries, name);
    const match = candidates.find((entry) => entry.key.equals(presented));
    if (match)
        return { verdict: 'match', entry: match };
    return candidates.length > 0 ? { verdict: 'mismatch', expected: candidates } : { verdict: 'unknown' };
}
/** An entry for messages: its line number, host field (hashed names shown as such) and key fingerprint. */
function describeEntry(entry) {
    const hosts = entry.hosts.startsWith('|1|') ? '(hashed name)' : entry.hosts;
    return `${hosts} ${entry.keyType} ${fingerprintOf(entry.key)} (line ${entry.line})`;
}

;// CONCATENATED MODULE: ../../packages/ssh/src/host-key-policy.ts



// An RSA host key is usable through any of its signature algorithms; the others are named after their key type.
const ALGORITHMS_FOR_KEY_TYPE = {
    'ssh-ed25519': ['ssh-ed25519'],
    'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
    'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
    'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
    'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const CLOSED_BEFORE_AUTH = 'The connection was closed before authentication; nothing was sent to the server.';
function algorithmsFor(keyTypes) {
    const algorithms = [...new Set(keyTypes.flatMap((type) => ALGORITHMS_FOR_KEY_TYPE[type] ?? []))];
    return algorithms.length > 0 ? algorithms : undefined;
}
function refuse(name, presented, expected, detail) {
    const message = `Host key verification failed for ${name}: ${detail} ${CLOSED_BEFORE_AUTH}`;
    return { ok: false, error: new HostKeyError(name, fingerprintOf(presented), expected, message) };
}
function knownHostsCheck(knownHosts, name) {
    const entries = parseKnownHosts(knownHosts);
    const forHost = entriesFor(entries, name);
    return {
        algorithms: algorithmsFor(forHost.map((entry) => entry.keyType)),
        verify(presented) {
            const result = checkKnownHosts(entries, name, presented);
            const presentedText = `the server presented ${describeKey(presented)}`;
            switch (result.verdict) {
                case 'match':
                    return { ok: true };
                case 'revoked':
                    return refuse(name, presented, [], `${presentedText}, which known-hosts marks @revoked (line ${result.entry.line}).`);
                case 'mismatch':
                    return refuse(name, presented, result.expected.map((entry) => fingerprintOf(entry.key)), `${presentedText}, but known-hosts expects ${result.expected.map(describeEntry).join(', ')}. ` +
                        'If the server was re-keyed on purpose, update known-hosts; otherwise someone may be intercepting the connection.');
                case 'unknown': {
                    const listed = entries.filter((entry) => entry.marker === undefined);
                    const others = listed.slice(0, 5).map(describeEntry).join(', ');
                    return refuse(name, presented, listed.map((entry) => fingerprintOf(entry.key)), `known-hosts has no entry for this host (it lists ${others || 'no host keys'}${listed.length > 5 ? ', …' : ''}); ` +
                        `${presentedText}. Add a line for "${name}" (e.g. from ssh-keyscan) or set host-fingerprint.`);
                }
            }
        },
    };
}
function fingerprintCheck(expected, name) {
    return {
        verify(presented) {
            if (sameFingerprint(fingerprintOf(presented), expected))
                return { ok: true };
            return refuse(name, presented, [expected], `the server presented ${describeKey(presented)}, but host-fingerprint expects ${expected}. ` +
                'If the server was re-keyed on purpose, update host-fingerprint; otherwise someone may be intercepting the connection.');
        },
    };
}
/** How the host key of `name` (a known_hosts name such as `[10.0.0.5]:2222`) is judged under a policy. */
function hostKeyCheck(policy, name) {
    switch (policy.kind) {
        case 'known-hosts':
            return knownHostsCheck(policy.knownHosts, name);
        case 'fingerprint':
            return fingerprintCheck(policy.fingerprint, name);
        case 'insecure':
            return {
                verify: (presented) => ({
                    ok: true,
                    warning: `Host key of ${name} was NOT verified (insecure-skip-host-key-check): it presented ${describeKey(presented)}. ` +
                        `Pin it with host-fingerprint: ${fingerprintOf(presented)}`,
                }),
            };
    }
}

// EXTERNAL MODULE: external "node:string_decoder"
var external_node_string_decoder_ = __webpack_require__(6193);
;// CONCATENATED MODULE: ../../packages/ssh/src/shell-quote.ts
/**
 * The one way a remote command line is built. The remote side runs it through the login shell (`sh -c`
 * semantics), so every argument is rendered as a single POSIX shell word: data can never become syntax.
 */
// Words made only of these characters mean themselves in sh. `=` and `~` are absent on purpose: a leading
// `NAME=` word is an assignment and a leading `~` expands.
const SELF_QUOTING = /^[A-Za-z0-9_@%+,./:-]+$/;
/**
 * `arg` as one POSIX shell word: unchanged when it holds only safe characters, else single-quoted (POSIX "Shell Command
 * Language", 2.2.3).
 * @throws TypeError for a non-string, Error for a NUL byte (no shell word can hold one).
 */
function shellQuote(arg) {
    if (typeof arg !== 'string')
        throw new TypeError(`A remote command argument must be a string, got ${typeof arg}`);
    if (arg.includes('\0'))
        throw new Error('A remote command argument cannot contain a NUL byte');
    if (SELF_QUOTING.test(arg))
        return arg;
    // Inside single quotes nothing is special except the closing quote itself, which is spliced as '\''.
    return `'${arg.replace(/'/g, `'\\''`)}'`;
}
/**
 * The argv as one command line for the remote shell (OpenSSH sends a command as a single string), each word quoted by
 * shellQuote.
 */
function shellCommand(argv) {
    if (argv.length === 0)
        throw new Error('A remote command needs at least the program name');
    return argv.map(shellQuote).join(' ');
}

;// CONCATENATED MODULE: ../../packages/ssh/src/session.ts





const DEFAULT_MAX_CONCURRENT_COMMANDS = 8;
// Enough to hold any tool's complaint; a runaway command cannot exhaust memory through its stderr.
const STDERR_LIMIT = 256 * 1024;
/** Limits how many channels are open at once, queueing the rest in order. */
class ChannelSlots {
    limit;
    active = 0;
    waiting = [];
    constructor(limit) {
        this.limit = limit;
    }
    async acquire() {
        if (this.active < this.limit) {
            this.active += 1;
            return;
        }
        await new Promise((resolve) => this.waiting.push(resolve));
    }
    release() {
        const next = this.waiting.shift();
        if (next)
            next();
        else
            this.active -= 1;
    }
}
/**
 * Drops what arrives before `marker` on one of a command's streams, and the marker itself. The login
 * shell runs the user's rc files (`.bashrc`, `BASH_ENV`, ...) before our command, and whatever they
 * print lands on the same channel; the command line prints a fresh random marker first, so nothing an
 * rc file prints (it cannot know the marker) is ever taken for the command's output.
 */
class OutputAfterMarker {
    pending = Buffer.alloc(0);
    marker;
    constructor(marker) {
        this.marker = Buffer.from(marker);
    }
    /** True once the marker went by: the command itself started. */
    get started() {
        return this.pending === undefined;
    }
    /** What of `chunk` belongs to the command (empty while the marker has not arrived). */
    push(chunk) {
        if (this.pending === undefined)
            return chunk;
        const seen = Buffer.concat([this.pending, chunk]);
        const at = seen.indexOf(this.marker);
        if (at < 0) {
            // Keep only what could still be the marker's beginning: a login banner can be long.
            this.pending = seen.subarray(Math.max(0, seen.length - this.marker.length + 1));
            this.discarded += seen.length - this.pending.length;
            return Buffer.alloc(0);
        }
        this.discarded += at;
        this.pending = undefined;
        return seen.subarray(at + this.marker.length);
    }
    /** Bytes dropped before the marker (what the login shell printed). */
    discarded = 0;
}
/**
 * The command line sent to sshd: the marker on both streams, then the command itself. The marker is
 * printed from two halves, so the command line never holds it whole: a login shell that echoes the
 * command it runs (`echo "$BASH_EXECUTION_STRING"` in an rc file, `set -v`) cannot print it early.
 */
function markedCommand(command, marker) {
    // The marker is made of [a-z0-9-] only: words every POSIX shell reads as themselves.
    const half = Math.ceil(marker.length / 2);
    const printMarker = `printf %s%s ${marker.slice(0, half)} ${marker.slice(half)}`;
    return `${printMarker} && ${printMarker} >&2 && ${command}`;
}
function isReadableStream(input) {
    return typeof input === 'object' && !Buffer.isBuffer(input) && typeof input.pipe === 'function';
}
/** One authenticated SSH connection to one host; every command goes through `shellCommand`. */
class SshSession {
    client;
    label;
    log;
    /** Exec channels asked for so far: the cost of a deploy in round trips does not grow with its file count. */
    channelsOpened = 0;
    lost;
    slots;
    running = new Set();
    constructor(client, 
    /** `hostLabel` of the target, used in every message about this connection. */
    label, maxConcurrentCommands = DEFAULT_MAX_CONCURRENT_COMMANDS, 
    /** Every command is logged here at debug level, with its purpose. */
    log = log_silentLog) {
        this.client = client;
        this.label = label;
        this.log = log;
        this.slots = new ChannelSlots(maxConcurrentCommands);
        client.on('error', (error) => this.fail(error));
        client.on('close', () => this.fail(new Error('the connection was closed')));
    }
    /** Runs a command and collects its output; throws RemoteCommandError on an exit code not in okExitCodes. */
    async run(purpose, argv, options = {}) {
        const chunks = [];
        const result = await this.execute(purpose, argv, options, (chunk) => chunks.push(chunk));
        return { stdout: Buffer.concat(chunks).toString('utf8'), stderr: result.stderr, code: result.code };
    }
    /** Like run, but streams standard output into a writable (with backpressure) instead of collecting it. */
    async exec(purpose, argv, options) {
        return this.execute(purpose, argv, options, options.stdout);
    }
    /**
     * Runs a fixed script with `sh -c script sh args...`: the script is code we wrote, the arguments arrive as
     * "$1" "$2" ... and are never parsed as shell syntax.
     */
    async runScript(purpose, script, args = [], options = {}) {
        return this.run(purpose, ['sh', '-c', script, 'sh', ...args], options);
    }
    /**
     * Ends the connection, destroying the socket if the server has not closed within 2 seconds; commands still running
     * fail with SshConnectionLostError. Closing twice does nothing.
     */
    async close() {
        if (this.lost)
            return;
        const closed = new Promise((resolve) => this.client.once('close', () => resolve()));
        this.lost = new Error('the session was closed');
        this.client.end();
        const timer = setTimeout(() => this.client.destroy(), 2000);
        await closed;
        clearTimeout(timer);
    }
    fail(error) {
        this.lost ??= error;
        for (const abort of [...this.running])
            abort(error);
    }
    lostError(purpose, error) {
        return new SshConnectionLostError(this.label, purpose, `${purpose} failed on ${this.label}: connection lost (${error.message})`);
    }
    /**
     * Opens an exec channel. The exit status is captured inside the callback: ssh2 can emit it in the same tick
     * (the reply and the exit arrive in one packet batch), before any later listener could be attached.
     */
    async openChannel(purpose, command) {
        if (this.lost)
            throw this.lostError(purpose, this.lost);
        return new Promise((resolve, reject) => {
            this.client.exec(command, (error, channel) => {
                if (error) {
                    const detail = `${purpose} failed on ${this.label}: the server refused a new channel (${error.message})`;
                    return reject(this.lost ? this.lostError(purpose, this.lost) : new SshConnectionLostError(this.label, purpose, detail));
                }
                const exit = { code: null };
                channel.on('exit', (code, signal) => {
                    exit.code = code;
                    exit.signal = signal ?? undefined;
                });
                resolve({ channel, exit });
            });
        });
    }
    async execute(purpose, argv, options, stdout) {
        const command = shellCommand(argv);
        const marker = `sophia-output-${(0,external_node_crypto_.randomBytes)(12).toString('hex')}`;
        const okExitCodes = options.okExitCodes ?? [0];
        options.signal?.throwIfAborted();
        await this.slots.acquire();
        try {
            options.signal?.throwIfAborted();
            this.log.debug(`${this.label} ${purpose}: ${command}`);
            // Counted when asked for: a channel whose opening is still under way when a report is made counts too.
            this.channelsOpened += 1;
            const { channel, exit } = await this.openChannel(purpose, markedCommand(command, marker));
            const { stderr, stdoutBytes } = await this.drive(purpose, channel, exit, options, stdout, marker);
            const { code, signal } = exit;
            if (code === null || !okExitCodes.includes(code)) {
                throw new RemoteCommandError(this.label, purpose, code, signal, stderr);
            }
            return { code, stderr, stdoutBytes };
        }
        finally {
            this.slots.release();
        }
    }
    /** Feeds stdin, drains stdout and stderr, and settles once the channel is closed and both streams ended. */
    drive(purpose, channel, exit, options, stdout, marker) {
        return new Promise((resolve, reject) => {
            const stdoutFilter = new OutputAfterMarker(marker);
            const stderrFilter = new OutputAfterMarker(marker);
            const stderrDecoder = new external_node_string_decoder_.StringDecoder('utf8');
            let preamble = '';
            let stderr = '';
            let stdoutBytes = 0;
            let pending = 3; // channel close, stdout end, stderr end
            let settled = false;
            let timer;
            let channelError;
            const input = options.stdin;
            const finish = (error) => {
                if (settled)
                    return;
                settled = true;
                if (timer)
                    clearTimeout(timer);
                options.signal?.removeEventListener('abort', cancel);
                this.running.delete(abort);
                if (input !== undefined && isReadableStream(input)) {
                    input.unpipe(channel);
                    // A producer (e.g. tar) would otherwise block forever on a pipe nobody reads any more.
                    if (!input.readableEnded)
                        input.destroy();
                }
                if (!error && exit.code === null && exit.signal === undefined) {
                    error = this.lostError(purpose, this.lost ?? channelError ?? new Error('the channel closed without an exit status'));
                }
                if (error) {
                    channel.destroy();
                    reject(error);
                }
                else {
                    resolve({ stderr, stdoutBytes });
                }
            };
            const abort = (error) => finish(this.lostError(purpose, error));
            const done = () => {
                pending -= 1;
                if (pending === 0)
                    finish();
            };
            this.running.add(abort);
            channel.on('close', done);
            // A write racing the command's own exit (it stopped reading its input) is not the failure to report:
            // the exit status and stderr that follow are.
            channel.on('error', (error) => (channelError ??= error));
            channel.on('end', done);
            channel.stderr.on('end', () => {
                if (!stderrFilter.started)
                    stderr = preamble;
                done();
            });
            channel.stderr.on('data', (chunk) => {
                const own = stderrFilter.push(chunk);
                // Before the marker: what the login shell said. Kept only to explain a command that never started.
                if (!stderrFilter.started && preamble.length < STDERR_LIMIT)
                    preamble += chunk.toString('utf8');
                // Decoded as a stream, so a character split across two packets is not mangled.
                stderr += stderrDecoder.write(own);
                if (stderr.length > STDERR_LIMIT)
                    stderr = stderr.slice(-STDERR_LIMIT);
            });
            const sink = typeof stdout === 'function' ? undefined : stdout;
            sink?.on('error', (error) => finish(error));
            channel.on('data', (chunk) => {
                const own = stdoutFilter.push(chunk);
                if (own.length === 0)
                    return;
                stdoutBytes += own.length;
                if (typeof stdout === 'function') {
                    stdout(own);
                }
                else if (sink && !sink.write(own)) {
                    // Backpressure as pipe() would: the channel waits until the sink drains.
                    channel.pause();
                    sink.once('drain', () => channel.resume());
                }
            });
            // Declared with `function` so that `finish`, above, can remove it before this line runs.
            function cancel() {
                channel.signal('KILL');
                finish(options.signal.reason);
            }
            if (options.signal?.aborted)
                cancel();
            else
                options.signal?.addEventListener('abort', cancel, { once: true });
            if (options.timeoutMs !== undefined) {
                timer = setTimeout(() => {
                    channel.signal('KILL');
                    finish(new RemoteCommandError(this.label, purpose, null, undefined, stderr, `timed out after ${options.timeoutMs} ms`));
                }, options.timeoutMs);
            }
            if (input === undefined) {
                channel.end();
            }
            else if (isReadableStream(input)) {
                input.once('error', (error) => finish(new Error(`${purpose} on ${this.label}: reading its input failed: ${error.message}`)));
                input.pipe(channel);
            }
            else {
                channel.end(input);
            }
        });
    }
}

// EXTERNAL MODULE: ../../packages/reporting/src/host-label.ts
var host_label = __webpack_require__(6442);
;// CONCATENATED MODULE: ../../packages/ssh/src/connect.ts









const { Client, utils } = (lib_default());
const DEFAULT_KEEPALIVE_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;
const DEFAULT_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 15_000;
/**
 * The public half of the user's key, for naming it in errors.
 * @throws SshKeyError when the key cannot be parsed or decrypted (the inputs layer checks only its shape:
 *   parsing needs ssh2, which is this layer's).
 */
function userKeyDescription(target) {
    const parsed = utils.parseKey(target.privateKey, target.passphrase);
    if (parsed instanceof Error) {
        if (/passphrase|encrypted|decrypt/i.test(parsed.message)) {
            throw new SshKeyError('passphrase', `Input "ssh-key-passphrase": the private key cannot be decrypted with it (${parsed.message})`);
        }
        // The armor passed the input check, so the body is what is damaged: usually a partial paste.
        throw new SshKeyError('unreadable', `Input "ssh-key": the private key cannot be read (${parsed.message}); check that the secret holds the whole key file, line breaks included: ${request/* PRIVATE_KEY_SHAPE */.s}`);
    }
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return describeKey(key.getPublicSSH());
}
function isPermanent(error) {
    return error instanceof HostKeyError || error instanceof SshAuthError || error instanceof SshKeyError;
}
/** Resolves after `ms` milliseconds; rejects with `signal.reason` as soon as `signal` aborts. */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/**
 * One TCP connection, handshake and authentication; resolves with the ready client or rejects with the reason,
 * or with `signal.reason` as soon as `signal` aborts (the connection attempt is ended at once).
 */
function attempt(target, check, keyName, label, log, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(signal.reason);
        const client = new Client();
        let hostKeyFailure;
        let settled = false;
        const onAbort = () => settle(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        const settle = (error) => {
            if (settled)
                return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            if (error) {
                client.removeAllListeners('ready');
                client.on('error', () => { });
                client.destroy();
                reject(error);
            }
            else {
                resolve(client);
            }
        };
        client.once('ready', () => settle());
        client.on('error', (error) => {
            if (hostKeyFailure)
                return settle(hostKeyFailure);
            if (error.level === 'client-authentication') {
                return settle(new SshAuthError(label, `SSH authentication failed for ${label}: the server did not accept the key ${keyName} (input "ssh-key") for user "${target.user}". ` +
                    `Check input "user" and that this public key is in that user's authorized_keys on the server.`));
            }
            settle(error);
        });
        client.once('close', () => settle(hostKeyFailure ?? new Error('the connection closed during the SSH handshake')));
        const config = {
            host: target.host,
            port: target.port,
            username: target.user,
            privateKey: target.privateKey,
            passphrase: target.passphrase,
            readyTimeout: target.connectTimeoutMs,
            keepaliveInterval: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_MS,
            keepaliveCountMax: KEEPALIVE_COUNT_MAX,
            // Only the key we were given: no agent, no password, no keyboard-interactive prompts.
            authHandler: ['publickey'],
            hostVerifier: (key) => {
                const verdict = check.verify(key);
                if (!verdict.ok) {
                    hostKeyFailure = verdict.error;
                    return false;
                }
                if (verdict.warning)
                    log.warning(verdict.warning);
                return true;
            },
        };
        if (check.algorithms)
            config.algorithms = { serverHostKey: check.algorithms };
        client.connect(config);
        // Deploys are chains of small request/response exchanges; Nagle's algorithm would hold each one back.
        client.setNoDelay(true);
    });
}
/**
 * Opens a verified, authenticated SSH session. Network failures are retried with exponential backoff up to
 * `connectAttempts`; a host key that does not verify and a refused key fail at once. `log` gets the retries,
 * the insecure-mode warning (with the fingerprint to pin) and, at debug level, every command the session runs.
 * `signal` is the run's cancel: once it aborts, the attempt under way (TCP connect, handshake, authentication)
 * or the wait before the next one ends at once and the call rejects with `signal.reason`, untouched, so the
 * caller sees its own cancel rather than a connection error; nothing has run on the host by then.
 * @throws HostKeyError, SshAuthError, SshKeyError at once; SshConnectError once the attempts are spent;
 *   `signal.reason` on cancel.
 */
async function connectSsh(target, log = log_silentLog, signal) {
    const label = (0,host_label/* hostLabel */.v)(target);
    const alias = target.hostKeyAlias ?? { host: target.host, port: target.port };
    const check = hostKeyCheck(target.hostKeys, knownHostsName(alias.host, alias.port));
    const keyName = userKeyDescription(target);
    const attempts = Math.max(1, target.connectAttempts);
    let delay = target.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    for (let number = 1;; number += 1) {
        try {
            const client = await attempt(target, check, keyName, label, log, signal);
            log.debug(`Connected to ${label} (attempt ${number}/${attempts})`);
            return new SshSession(client, label, target.maxConcurrentCommands, log);
        }
        catch (error) {
            if (isPermanent(error) || signal?.aborted)
                throw error;
            // Not `instanceof Error`: socket errors may come from another realm (e.g. a test VM context).
            const reason = typeof error?.message === 'string' ? error.message : String(error);
            if (number >= attempts) {
                throw new SshConnectError(label, attempts, `Could not connect to ${label} after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, { cause: error });
            }
            log.info(`Connecting to ${label} failed (attempt ${number}/${attempts}: ${reason}); retrying in ${delay} ms`);
            await sleep(delay, signal);
            delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
        }
    }
}
/**
 * Every host connected (host keys verified, keys accepted) before anything changes anywhere: one
 * refused host stops the whole run here, and the connections already made are closed again. A
 * cancel (`signal`, see connectSsh) ends every attempt and rejects with its reason.
 */
async function connectAll(targets, log = silentLog, signal) {
    const attempts = await Promise.allSettled(targets.map((target) => connectSsh(target, log, signal)));
    const failed = attempts.find((attempt) => attempt.status === 'rejected');
    if (failed || signal?.aborted) {
        await Promise.allSettled(attempts.map((attempt) => (attempt.status === 'fulfilled' ? attempt.value.close() : undefined)));
        throw signal?.aborted ? signal.reason : failed?.reason;
    }
    return attempts.map((attempt) => attempt.value);
}
/**
 * Connects every target (all or none, see `connectAll`) in a log group of its own (`Connect 2
 * hosts`, ending with the hosts connected), runs `work` with the sessions in target order, and
 * closes every session afterwards whatever happened; a failed close does not hide the work's own
 * result or error. `signal` is the run's cancel while connecting (see connectAll); `work` is not
 * started once it has aborted.
 */
async function withSessions(targets, log, work, signal) {
    const sessions = await log.group(`Connect ${targets.length} host${targets.length === 1 ? '' : 's'}`, async () => {
        const connected = await connectAll(targets, log, signal);
        log.info(`Connected to ${connected.map((session) => session.label).join(', ')}`);
        return connected;
    });
    try {
        return await work(sessions);
    }
    finally {
        await Promise.allSettled(sessions.map((session) => session.close()));
    }
}

;// CONCATENATED MODULE: ../../packages/ssh/src/index.ts











/***/ })

};
