export const id = 514;
export const ids = [514,678,583];
export const modules = {

/***/ 1514:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  main: () => (/* binding */ main)
});

// EXTERNAL MODULE: ../../packages/action-runtime/src/index.ts + 9 modules
var src = __webpack_require__(1678);
// EXTERNAL MODULE: ../../packages/health-check/src/index.ts + 7 modules
var health_check_src = __webpack_require__(3583);
// EXTERNAL MODULE: ../../packages/inputs/src/index.ts + 12 modules
var inputs_src = __webpack_require__(4661);
;// CONCATENATED MODULE: ./src/input-helper.ts


const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const REDIRECT_POLICIES = ['same-origin', 'none', 'any'];
/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
function getInputs(reader = (0,src.actionInputs)()) {
    // Before anything is parsed, so that no error can quote a credential.
    (0,inputs_src/* maskUrlCredentials */.gn)(reader.raw('urls'), reader.runner.mask);
    (0,inputs_src/* maskHeaderValues */.k6)(reader.raw('headers'), reader.runner.mask);
    const settings = {
        urls: reader.required('urls', (0,inputs_src/* listOf */.c3)(inputs_src/* httpUrl */.q3, 'newline')),
        expectedStatus: reader.required('expected-status', inputs_src/* statusRanges */.F),
        expectedBody: reader.optional('expected-body', inputs_src/* bodyMatcher */.PF),
        expectedJson: reader.optional('expected-json', inputs_src/* jsonCheck */.bL),
        method: reader.required('method', (0,inputs_src/* oneOf */.yL)(HTTP_METHODS)),
        headers: reader.optional('headers', inputs_src/* headers */.b3) ?? [],
        followRedirects: reader.required('follow-redirects', (0,inputs_src/* oneOf */.yL)(REDIRECT_POLICIES)),
        intervalMs: reader.required('interval', (0,inputs_src/* duration */.p0)({ minMs: 10, maxMs: 3_600_000 })),
        requestTimeoutMs: reader.required('request-timeout', (0,inputs_src/* duration */.p0)({ minMs: 10, maxMs: 600_000 })),
        timeoutMs: reader.required('timeout', (0,inputs_src/* duration */.p0)({ minMs: 10 })),
        initialDelayMs: reader.required('initial-delay', (0,inputs_src/* duration */.p0)({ maxMs: 3_600_000 })),
        successThreshold: reader.required('success-threshold', (0,inputs_src/* integer */.nd)(1, 100)),
        failureThreshold: reader.required('failure-threshold', (0,inputs_src/* integer */.nd)(1, 100)),
        insecureTls: reader.required('insecure-tls', inputs_src/* boolean */.zM),
        failOnUnhealthy: reader.required('fail-on-unhealthy', inputs_src/* boolean */.zM),
    };
    // A HEAD answer has no body, so the gate could never pass: say so now rather than after the timeout.
    for (const [name, given] of [
        ['expected-body', settings.expectedBody],
        ['expected-json', settings.expectedJson],
    ]) {
        if (settings.method === 'HEAD' && given) {
            throw new inputs_src/* InputError */.dz(name, `Input "${name}" cannot be checked with method HEAD (its answers have no body)`);
        }
    }
    return settings;
}

// EXTERNAL MODULE: ../../packages/reporting/src/index.ts + 3 modules
var reporting_src = __webpack_require__(9361);
;// CONCATENATED MODULE: ./src/summary.ts

function latency(value) {
    return value === null ? '–' : `${value} ms`;
}
function lastProblem(url) {
    return [url.lastError && `error: ${url.lastError}`, url.lastMismatch].filter(Boolean).join('<br>') || '–';
}
/** The job summary: the verdict in one line, then one row per URL. */
function healthSummary(report) {
    const verdict = report.healthy
        ? `✅ **Healthy**: time to healthy ${report.timeToHealthySeconds}s, decided after ${report.elapsedSeconds}s and ${report.rounds} round(s).`
        : `❌ **Unhealthy** after ${report.elapsedSeconds}s and ${report.rounds} round(s).`;
    const rows = report.urls.map((url) => [
        url.url,
        `${url.passes}/${url.probes}`,
        url.wrongStatus + url.wrongBody,
        url.errors,
        url.lastStatus ?? '–',
        latency(url.latencyMs.p50),
        latency(url.latencyMs.max),
        url.redirects.length ? url.redirects.map((hop) => `${hop.status} → ${hop.to}`).join('<br>') : '–',
        lastProblem(url),
    ]);
    return [
        `### Health gate\n`,
        `${verdict}\n`,
        `${report.reason}\n`,
        (0,reporting_src/* markdownTable */.Qj)([
            'URL',
            'Passed',
            'Wrong answers',
            'Probe errors',
            'Last status',
            'Latency p50',
            'Latency max',
            'Redirects',
            'Last problem',
        ], rows),
    ].join('\n');
}

;// CONCATENATED MODULE: ./src/main.ts





function logRound(round) {
    src.actionLog.info((0,health_check_src/* describeRound */.QH)(round));
    for (const probe of round.probes)
        src.actionLog.info(`  ${(0,health_check_src/* describeProbe */.WH)(probe)}`);
}
/**
 * The runbook: read inputs, probe every URL in rounds until a verdict, report, fail if unhealthy.
 * `regexThread`: how to start the thread that matches an expected-body regex (the bundle itself).
 */
async function main(regexThread) {
    const settings = getInputs();
    src.actionLog.info(`Checking ${settings.urls.length} URL(s) every ${(0,inputs_src/* formatDuration */.a3)(settings.intervalMs)} for up to ${(0,inputs_src/* formatDuration */.a3)(settings.timeoutMs)}: ` +
        `healthy after ${settings.successThreshold} passing round(s) in a row, ` +
        `unhealthy after ${settings.failureThreshold} failed round(s) once one has passed`);
    const report = await src.actionLog.group('Health checks', () => (0,health_check_src/* runHealthCheck */.WC)({ ...settings, regexThread, agents: (0,src.toolkitAgents)(), onRound: logRound }));
    await (0,src.publish)({
        outputs: {
            healthy: report.healthy,
            rounds: report.rounds,
            'time-to-healthy': report.timeToHealthySeconds ?? '',
            report,
        },
        summary: healthSummary(report),
    });
    if (report.healthy)
        src.actionLog.info(report.reason);
    else if (settings.failOnUnhealthy)
        throw new Error(report.reason);
    else
        src.actionLog.warning(`${report.reason} (fail-on-unhealthy is false: the step succeeds, the outputs tell)`);
}


/***/ }),

/***/ 1678:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  actionInputs: () => (/* reexport */ actionInputs),
  actionLog: () => (/* reexport */ actionLog),
  annotateFileProblems: () => (/* reexport */ annotateFileProblems),
  annotatingFileProblems: () => (/* reexport */ annotatingFileProblems),
  asMainStep: () => (/* reexport */ asMainStep),
  asPostStep: () => (/* reexport */ asPostStep),
  debugEnabled: () => (/* reexport */ debugEnabled),
  isPostStep: () => (/* reexport */ isPostStep),
  publish: () => (/* reexport */ publish),
  publishing: () => (/* reexport */ publishing),
  runAction: () => (/* reexport */ runAction),
  runContext: () => (/* reexport */ runContext),
  runUrl: () => (/* reexport */ runUrl),
  runnerInputHooks: () => (/* reexport */ runnerInputHooks),
  secretsDir: () => (/* reexport */ secretsDir),
  setOutputs: () => (/* reexport */ setOutputs),
  stepState: () => (/* reexport */ stepState),
  toolkitAgents: () => (/* reexport */ toolkitAgents),
  workspaceDir: () => (/* reexport */ workspaceDir),
  writeSummary: () => (/* reexport */ writeSummary)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/esm-globals.ts


/**
 * An action bundle is ESM, where `__dirname` and `__filename` do not exist, yet bundled CommonJS
 * dependencies read them while loading (ssh2's emscripten-built poly1305 does, and crashes the
 * action before its first line runs). The entry imports this package first, so these globals
 * are in place before any dependency loads; CommonJS modules keep their own, which shadow them.
 */
const globals = globalThis;
if (globals.__filename === undefined) {
    globals.__filename = (0,external_node_url_.fileURLToPath)(import.meta.url);
    globals.__dirname = (0,external_node_path_.dirname)(globals.__filename);
}

// EXTERNAL MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1/node_modules/@actions/core/lib/core.js + 12 modules
var core = __webpack_require__(9120);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/lifecycle.ts





/**
 * The same bundle runs as the main step and, when action.yml names it under `post:`, as the post
 * step; the main step leaves this state behind so the post run knows which it is. This is how
 * actions/checkout tells them apart (its state-helper's `isPost`).
 */
const IS_POST_STATE = 'isPost';
const SECRETS_DIR_STATE = 'secrets-dir';
let secretsDirPath;
/** The step's saved state, handed to the post step by the runner as STATE_<name> variables. */
const stepState = {
    save: (name, value) => core.saveState(name, value),
    get: (name) => core.getState(name),
};
/** True when this process is the action's post step. */
function isPostStep() {
    return core.getState(IS_POST_STATE) === 'true';
}
/**
 * A private directory (mode 0700) under RUNNER_TEMP for files holding secrets, such as a
 * kubeconfig. It is removed when the main step ends however it ends: on success or failure, on
 * the runner's cancel signals (SIGINT, then SIGTERM), and, if the process was killed outright,
 * by the post step, which finds its path in the step's saved state. Created on first use.
 */
function secretsDir() {
    if (secretsDirPath)
        return secretsDirPath;
    const parent = process.env.RUNNER_TEMP || (0,external_node_os_.tmpdir)();
    (0,external_node_fs_.mkdirSync)(parent, { recursive: true });
    const path = (0,external_node_path_.join)(parent, `sophia-secrets-${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`);
    (0,external_node_fs_.mkdirSync)(path, { mode: 0o700 });
    core.saveState(SECRETS_DIR_STATE, path);
    secretsDirPath = path;
    return path;
}
function removeSecretsDir(path = secretsDirPath) {
    if (path)
        (0,external_node_fs_.rmSync)(path, { recursive: true, force: true });
}
/**
 * On cancel the runner sends SIGINT to the step's process, then SIGTERM 7.5 s later, and kills the
 * process tree 2.5 s after that
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-cancellation). The
 * secrets go synchronously, before anything else, on either signal.
 */
function handleCancelSignals() {
    process.on('SIGTERM', () => {
        removeSecretsDir();
        process.exit(143);
    });
    // Remote clean-up (a deploy lock) is the post step's: it runs after the cancel too, with time of its own.
    process.on('SIGINT', () => {
        removeSecretsDir();
        core.info('The run was cancelled: secrets removed from disk');
        core.setFailed('The run was cancelled');
        process.exit(130);
    });
}
/** The main step's lifecycle: mark the post step, watch for cancel signals, remove secrets at the end. */
async function asMainStep(work) {
    core.saveState(IS_POST_STATE, 'true');
    handleCancelSignals();
    try {
        await work();
    }
    finally {
        removeSecretsDir();
    }
}
/** The post step's lifecycle: remove what a killed main step left on disk, then the action's own clean-up. */
async function asPostStep(work) {
    removeSecretsDir(core.getState(SECRETS_DIR_STATE) || undefined);
    await work?.();
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/run-action.ts


function debugEnabled(env = process.env) {
    return ['RUNNER_DEBUG', 'ACTIONS_STEP_DEBUG'].some((name) => ['1', 'true'].includes((env[name] ?? '').toLowerCase()));
}
/**
 * The one error path of every action: the message goes to `core.setFailed`; the stack only
 * when the user turned step debugging on, because stacks in normal logs bury the reason.
 */
async function reportFailures(work) {
    try {
        await work();
    }
    catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (debugEnabled() && error instanceof Error && error.stack)
            core.info(error.stack);
        core.setFailed(message);
    }
}
/**
 * Runs an action's bundle as its main step or, when action.yml also names the bundle under
 * `post:` (with `post-if: always()`), as its post step: `post` frees what a cancelled or killed
 * main step may have left (a remote lock); secrets on disk are removed in both steps.
 */
async function runAction(main, steps = {}) {
    if (isPostStep())
        await reportFailures(() => asPostStep(steps.post));
    else
        await reportFailures(() => asMainStep(main));
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/outputs.ts

/** Objects and arrays are written as JSON so later steps can use `fromJSON()`. */
function setOutputs(outputs) {
    for (const [name, value] of Object.entries(outputs)) {
        core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/summary.ts

/** Appends Markdown to the job summary; a no-op outside a runner (no GITHUB_STEP_SUMMARY). */
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await core.summary.addRaw(markdown, true).write();
}

// EXTERNAL MODULE: ../../packages/inputs/src/index.ts + 12 modules
var src = __webpack_require__(4661);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/log.ts


/** The runner's log, as the `Log` every domain package writes to: groups fold per host and per phase. */
const actionLog = {
    info: (line) => core.info(line),
    warning: (message) => core.warning(message),
    debug: (line) => core.debug(line),
    group: (title, work) => core.group(title, work),
};
/**
 * Each problem as an annotation on its file and line, titled `title` ("Manifest problem",
 * "Placement"): an error, or a warning for what is worth seeing but does not fail the step.
 */
function annotateFileProblems(problems, title, level = 'error') {
    for (const problem of problems) {
        core[level](problem.message, { file: problem.file, startLine: problem.line, title });
    }
}
/** What the input reader needs from the runner: secrets masked in the log, warnings as annotations. */
const runnerInputHooks = {
    mask: (secret) => core.setSecret(secret),
    warn: (message) => core.warning(message),
};
/** The reader of this step's inputs (the runner's INPUT_* variables), masking and warning through the runner. */
function actionInputs() {
    return new src/* InputReader */.i_(src/* runnerInputs */.ax, runnerInputHooks);
}
/**
 * Runs `work`; when it throws an error carrying `problems` at files and lines (a `ManifestError`),
 * each becomes an error annotation titled `title` on its file before the error goes on.
 */
async function annotatingFileProblems(title, work) {
    try {
        return await work();
    }
    catch (error) {
        const problems = error?.problems;
        if (Array.isArray(problems))
            annotateFileProblems(problems, title);
        throw error;
    }
}

// EXTERNAL MODULE: ../../packages/reporting/src/index.ts + 3 modules
var reporting_src = __webpack_require__(9361);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/publish.ts




/** Writes the outputs, then the log groups, then the job summary. */
async function publish(publication) {
    if (publication.outputs)
        setOutputs(publication.outputs);
    for (const group of publication.logGroups ?? []) {
        if (group.lines.length === 0)
            continue;
        core.startGroup(group.title);
        for (const line of group.lines)
            core.info(line);
        core.endGroup();
    }
    if (publication.summary !== undefined)
        await writeSummary(publication.summary);
}
/**
 * Runs the work and publishes its report once, whether the work succeeded or failed with a
 * `ReportedError` (then the error's report is published and the error rethrown, so the step fails
 * with the outputs and summary in place). Any other error had nothing to report and passes through.
 */
async function publishing(work, publicationOf) {
    let report;
    try {
        report = await work();
    }
    catch (error) {
        if (error instanceof reporting_src/* ReportedError */.SS)
            await publish(publicationOf(error.report));
        throw error;
    }
    await publish(publicationOf(report));
    return report;
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/run-context.ts
/**
 * `<server>/<owner>/<repo>/actions/runs/<id>`, or '' without a repository or run id. A missing
 * GITHUB_SERVER_URL means github.com, as the runner itself assumes (`github.context.serverUrl`).
 */
function runUrl(env = process.env) {
    const server = env.GITHUB_SERVER_URL || 'https://github.com';
    return env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
        ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : '';
}
function runContext(env = process.env) {
    return {
        commit: env.GITHUB_SHA ?? '',
        ref: env.GITHUB_REF ?? '',
        actor: env.GITHUB_ACTOR ?? '',
        runId: env.GITHUB_RUN_ID ?? '',
        runAttempt: env.GITHUB_RUN_ATTEMPT ?? '',
        runUrl: runUrl(env),
    };
}
/** The runner's checkout, where relative paths in inputs start (GITHUB_WORKSPACE; the current directory locally). */
function workspaceDir(env = process.env) {
    return env.GITHUB_WORKSPACE || process.cwd();
}

// EXTERNAL MODULE: ../../node_modules/.pnpm/@actions+http-client@4.0.1/node_modules/@actions/http-client/lib/index.js + 1 modules
var lib = __webpack_require__(8099);
;// CONCATENATED MODULE: ../../packages/action-runtime/src/http-agents.ts

/**
 * HTTP agents that honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case forms too) exactly as
 * the toolkit's HTTP client (@actions/http-client) does for every other action, loopback never
 * proxied: self-hosted runners behind a proxy need nothing more. Shape: (url, insecureTls) -> a
 * non-keep-alive agent for that URL; with insecureTls, any certificate is accepted. One client per
 * scheme, because the client caches a single direct agent whatever the scheme.
 */
function toolkitAgents() {
    const clients = new Map();
    return (url, insecureTls) => {
        const key = `${url.protocol}${insecureTls}`;
        let client = clients.get(key);
        if (!client) {
            client = new lib/* HttpClient */.Qq('sophia-deploy-actions', [], { keepAlive: false, ignoreSslError: insecureTls });
            clients.set(key, client);
        }
        return client.getAgent(url.href);
    };
}

;// CONCATENATED MODULE: ../../packages/action-runtime/src/index.ts
// First, so that bundled dependencies find the CommonJS globals when they load.











/***/ }),

/***/ 3583:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  WH: () => (/* reexport */ describeProbe),
  QH: () => (/* reexport */ describeRound),
  WC: () => (/* reexport */ runHealthCheck),
  serveBodyRegexMatches: () => (/* reexport */ serveBodyRegexMatches)
});

// UNUSED EXPORTS: BodyRegexMatcher, DEFAULT_MAX_REDIRECTS, GateState, INLINE_MATCH_STEPS, MAX_BODY_BYTES, ProbeError, ProbeTransport, Redactor, UrlTally, bodyMismatch, classifyProbeError, describeBodyMatcher, describeStatusRanges, directAgents, excerpt, jsonCheckFailure, median, probeUrl, statusExpected

// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: ../../packages/inputs/src/index.ts + 12 modules
var src = __webpack_require__(4661);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
var external_node_http_default = /*#__PURE__*/__webpack_require__.n(external_node_http_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
;// CONCATENATED MODULE: ../../packages/health-check/src/probe-errors.ts

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
 * Sorts a socket or TLS error into a ProbeError kind with a one-line message (OpenSSL's text is cut
 * down to its reason). `url` is the URL being probed, to tell a scheme mistake from other TLS failures.
 */
function classifyProbeError(error, url) {
    if (error instanceof ProbeError)
        return error;
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
        return new ProbeError('tls', `TLS handshake failed: ${(0,src/* shortenValue */.Vx)(url.host)} answered in plain text, not TLS; the URL's scheme looks wrong (try ${(0,src/* shortenValue */.Vx)(`http://${url.host}${url.pathname}`)})`, true);
    }
    if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(message)) {
        // OpenSSL's messages carry a source path and error number ("...:error:0A000086:SSL routines:...:reason:../ssl.c:2091:"): keep the reason.
        const reason = /:([^:]+):[^:]*\.c:\d+:?$/.exec(message)?.[1] ?? (0,src/* shortenValue */.Vx)(message);
        return new ProbeError('tls', `TLS handshake failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`);
    }
    if (['ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(code))
        return new ProbeError('timeout', `timed out (${code})`);
    // Node's messages may carry the URL or host, which can be as long as the user made them.
    const said = (0,src/* shortenValue */.Vx)(message);
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
    return (url, insecureTls) => (url.protocol !== 'https:' ? agents['http:'] : insecureTls ? insecure : agents.secure);
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
    request(url, options) {
        const secure = url.protocol === 'https:';
        const agent = this.agentFor(url, this.insecureTls);
        this.agents.add(agent);
        const request = (secure ? (external_node_https_default()) : (external_node_http_default())).request(url, { ...options, agent });
        this.inFlight.add(request);
        request.once('close', () => this.inFlight.delete(request));
        return request;
    }
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
/** One hop: sends the request and reads at most MAX_BODY_BYTES of the answer. */
function exchange(transport, url, method, headers, signal) {
    return new Promise((resolve, reject) => {
        const request = transport.request(url, { method, headers });
        const onAbort = () => {
            request.destroy(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const settle = () => signal.removeEventListener('abort', onAbort);
        request.on('error', (error) => {
            settle();
            reject(classifyProbeError(error, url));
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
                reject(classifyProbeError(error, url));
            });
            response.on('end', answer);
        });
        request.end();
    });
}
/**
 * One probe of one URL, following redirects as `followRedirects` allows. Headers go only to the
 * origin of the URL the user named: a redirect to another origin must not carry their tokens along.
 */
async function probeUrl(probe) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ProbeError('timeout', `no answer within ${probe.timeoutMs} ms (${probe.timeoutName})`)), probe.timeoutMs);
    const redirects = [];
    let url = probe.url;
    let method = probe.method;
    try {
        for (;;) {
            const headers = sameOrigin(url, probe.url) ? Object.fromEntries(probe.headers) : {};
            const hop = await exchange(probe.transport, url, method, headers, controller.signal);
            const answer = { kind: 'answer', status: hop.status, body: hop.body, finalUrl: url.href, redirects };
            if (!REDIRECT_STATUSES.has(hop.status) || !hop.location || probe.isAnswer(hop.status))
                return answer;
            let next;
            try {
                next = new URL(hop.location, url);
            }
            catch {
                throw new ProbeError('redirect', `redirect to an invalid location ${(0,src/* describeValue */.bp)(hop.location)}`);
            }
            if (next.protocol !== 'http:' && next.protocol !== 'https:') {
                throw new ProbeError('redirect', `redirect to a non-HTTP location ${(0,src/* shortenValue */.Vx)(next.href)}`);
            }
            if (probe.followRedirects === 'none') {
                return { ...answer, unfollowed: { to: next.href, reason: 'follow-redirects is none' } };
            }
            if (probe.followRedirects === 'same-origin' && !sameOrigin(next, probe.url)) {
                return {
                    ...answer,
                    unfollowed: {
                        to: next.href,
                        reason: `another origin than ${(0,src/* shortenValue */.Vx)(probe.url.origin)} (follow-redirects is same-origin)`,
                    },
                };
            }
            if (redirects.length >= probe.maxRedirects) {
                throw new ProbeError('redirect', `more than ${probe.maxRedirects} redirects (last to ${(0,src/* shortenValue */.Vx)(next.href)})`);
            }
            redirects.push({ status: hop.status, from: url.href, to: next.href });
            // As browsers do: 303 always, and 301/302 after anything but GET/HEAD, continue with GET.
            if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method !== 'GET' && method !== 'HEAD')) {
                method = 'GET';
            }
            url = next;
        }
    }
    catch (error) {
        return { kind: 'error', error: classifyProbeError(error, url), redirects, finalUrl: url.href };
    }
    finally {
        clearTimeout(timer);
    }
}

// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(5919);
// EXTERNAL MODULE: ../../node_modules/.pnpm/re2js@2.10.0/node_modules/re2js/build/index.js
var build = __webpack_require__(8330);
;// CONCATENATED MODULE: ../../packages/health-check/src/body-regex.ts


/** The worker side: answers { source, flags, body } with { matched } (or { error }), one match at a time. */
function serveBodyRegexMatches() {
    if (!external_node_worker_threads_.parentPort)
        throw new Error('serveBodyRegexMatches() runs in a worker thread only');
    const port = external_node_worker_threads_.parentPort;
    const compiled = new Map();
    port.on('message', ({ source, flags, body }) => {
        try {
            const key = `${flags}/${source}`;
            let regex = compiled.get(key);
            if (!regex) {
                regex = build/* RE2JS */.L3.compile(source, flags);
                compiled.set(key, regex);
            }
            port.postMessage({ matched: regex.matcher(body).find() });
        }
        catch (error) {
            port.postMessage({ error: error instanceof Error ? error.message : String(error) });
        }
    });
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
 * outlasts its time limit is ended by terminating its thread. Each match in flight has a thread of its
 * own (URLs are probed in parallel), and an idle thread is kept for the next round.
 * Worker threads need no native code. The thread's entry is given (see RegexThread) rather than a file
 * beside this one, because ncc copies such a file into the bundle as it is, without its imports.
 */
class BodyRegexMatcher {
    thread;
    idle = [];
    busy = new Set();
    constructor(thread) {
        this.thread = thread;
    }
    /**
     * Whether `regex` matches `body`, or `stopped` when no answer came within `limitMs` milliseconds (a
     * thread's start-up included). A match of at most INLINE_MATCH_STEPS is made at once on this thread. Rejects when the thread fails, e.g. on a pattern RE2 cannot compile,
     * which input validation rules out.
     */
    match(regex, body, limitMs) {
        if (regex.programSize * body.length <= INLINE_MATCH_STEPS) {
            return Promise.resolve(regex.test(body) ? 'matched' : 'not-matched');
        }
        const worker = this.idle.pop() ?? this.start();
        this.busy.add(worker);
        return new Promise((resolve, reject) => {
            const finish = () => {
                clearTimeout(timer);
                worker.off('message', onMessage);
                worker.off('error', onError);
                this.busy.delete(worker);
            };
            const onMessage = (answer) => {
                finish();
                this.idle.push(worker);
                if (answer.error !== undefined)
                    reject(new Error(answer.error));
                else
                    resolve(answer.matched ? 'matched' : 'not-matched');
            };
            const onError = (error) => {
                finish();
                void worker.terminate();
                reject(error);
            };
            const timer = setTimeout(() => {
                finish();
                // The thread may be deep in a match that would run on for seconds: end it, not just ignore it.
                void worker.terminate();
                resolve('stopped');
            }, limitMs);
            worker.on('message', onMessage);
            worker.once('error', onError);
            worker.postMessage({ source: regex.source, flags: regex.flags, body });
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
        return worker;
    }
    /**
     * Ends every thread (matches in flight have all settled once the gate has decided). Does not wait for
     * them to exit: they are unreferenced, and a thread still starting up may take a while to go.
     */
    close() {
        for (const worker of [...this.idle.splice(0), ...this.busy])
            void worker.terminate();
        this.busy.clear();
    }
}

;// CONCATENATED MODULE: ../../packages/health-check/src/expectations.ts

function statusExpected(status, ranges) {
    return ranges.some((range) => status >= range.from && status <= range.to);
}
function describeStatusRanges(ranges) {
    return (0,src/* shortenValue */.Vx)(ranges.map((range) => (range.from === range.to ? `${range.from}` : `${range.from}-${range.to}`)).join(','));
}
/**
 * Why a body fails `matcher`, or undefined when it passes. A regex is matched by `regexes` within
 * `limitMs` milliseconds (named `limitName` in the message); one that runs out of time fails the body
 * with a message saying why, never hangs the gate.
 */
async function bodyMismatch(body, matcher, regexes, limit) {
    if (!matcher)
        return undefined;
    if (matcher.kind === 'substring')
        return body.includes(matcher.text) ? undefined : `body does not ${describeBodyMatcher(matcher)}`;
    const outcome = await regexes.match(matcher.regex, body, limit.ms);
    if (outcome === 'matched')
        return undefined;
    if (outcome === 'not-matched')
        return `body does not ${describeBodyMatcher(matcher)}`;
    return (`expected-body ${(0,src/* shortenValue */.Vx)(matcher.regex.text)} was still being matched against the ${Buffer.byteLength(body)}-byte body ` +
        `when ${limit.name} (${(0,src/* formatDuration */.a3)(limit.ms)}) ran out: an RE2 match costs the pattern's size times the body's, ` +
        `so use a shorter pattern (fewer or smaller repetitions such as {500}) or a substring`);
}
function describeBodyMatcher(matcher) {
    return matcher.kind === 'substring'
        ? `contain ${(0,src/* describeValue */.bp)(matcher.text)}`
        : `match ${(0,src/* shortenValue */.Vx)(matcher.regex.text)}`;
}
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
function jsonCheckFailure(body, check) {
    let document;
    try {
        document = JSON.parse(body);
    }
    catch {
        return `body is not JSON, so expected-json ${(0,src/* describeValue */.bp)(check.text)} cannot hold`;
    }
    let result;
    try {
        result = check.evaluate(document);
    }
    catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return `expected-json ${(0,src/* describeValue */.bp)(check.text)} failed: ${(0,src/* shortenValue */.Vx)(reason)}`;
    }
    if (result === true)
        return undefined;
    return `expected-json ${(0,src/* describeValue */.bp)(check.text)} is ${excerpt(JSON.stringify(result) ?? 'null', 60)}, not true`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/redaction.ts

/**
 * Replaces every secret the user gave the gate, in every form it can come back in, with `***` in
 * text the gate reports (URLs, body excerpts, redirect locations, error messages), as the runner's
 * log masking does. The runner masks the job log, but a server that echoes a token would otherwise
 * carry it into the job summary and the `report` output, which the runner does not mask.
 */
class Redactor {
    secrets;
    /**
     * `headers`: the request headers as name/value pairs (every value, and each credential inside it,
     * is a secret: see headerSecrets); `urls`: the URLs probed, whose userinfo is a secret.
     */
    constructor(headers, urls = []) {
        const all = [
            ...headers.flatMap(([, value]) => (0,src/* headerSecrets */.n3)(value)),
            ...urls.flatMap((url) => (0,src/* urlCredentialSecrets */.Eh)(url.href)),
        ]
            .filter((secret) => secret.length > 0)
            .flatMap(src/* secretForms */.eo);
        this.secrets = [...new Set(all)].sort((a, b) => b.length - a.length);
    }
    redact(text) {
        let result = text;
        for (const secret of this.secrets)
            result = result.split(secret).join('***');
        return result;
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
        return (0,src/* shortenValue */.Vx)(this.redact(shown));
    }
}

;// CONCATENATED MODULE: ../../packages/health-check/src/report.ts
/** Nearest-rank median: a latency some probe really had, not an average of two. */
function median(values) {
    if (values.length === 0)
        return null;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.ceil(sorted.length / 2) - 1];
}
/** Accumulates the probes of one URL across rounds. */
class UrlTally {
    latencies = [];
    report;
    constructor(url) {
        this.report = {
            url,
            probes: 0,
            passes: 0,
            wrongStatus: 0,
            wrongBody: 0,
            errors: 0,
            lastStatus: null,
            lastError: null,
            lastErrorKind: null,
            lastMismatch: null,
            latencyMs: { p50: null, max: null },
            redirects: [],
            finalUrl: url,
        };
    }
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
        if (probe.verdict === 'wrong-status' || probe.verdict === 'wrong-body')
            report.lastMismatch = probe.detail;
        if (probe.verdict === 'error') {
            report.errors += 1;
            report.lastError = probe.detail;
            report.lastErrorKind = probe.errorKind ?? 'other';
        }
    }
    snapshot() {
        const max = this.latencies.length ? Math.max(...this.latencies) : null;
        return { ...this.report, latencyMs: { p50: median(this.latencies), max } };
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
function describeRound(round) {
    const passes = round.probes.filter((probe) => probe.verdict === 'pass').length;
    return `round ${round.round} at ${round.atSeconds.toFixed(1)}s: ${round.passed ? 'passed' : 'failed'} (${passes}/${round.probes.length} URLs)`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/gate.ts







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
    get healthySince() {
        return this.streakStartedAt;
    }
    get failuresAfterFirstPass() {
        return this.failuresSinceFirstPass;
    }
}
async function judge(url, result, latencyMs, settings, { redactor, regexes, matchLimit }) {
    const redirects = result.redirects.map((hop) => ({
        ...hop,
        from: redactor.url(hop.from),
        to: redactor.url(hop.to),
    }));
    const base = { url: redactor.url(url.href), finalUrl: redactor.url(result.finalUrl), latencyMs, redirects };
    if (result.kind === 'error') {
        const detail = redactor.redact(result.error.message);
        return { ...base, verdict: 'error', detail, errorKind: result.error.kind, permanent: result.error.permanent };
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
    if (mismatch) {
        return { ...base, verdict: 'wrong-body', status: result.status, detail: `${redactor.redact(mismatch)}: ${body()}` };
    }
    const jsonFailure = settings.expectedJson && jsonCheckFailure(result.body, settings.expectedJson);
    if (jsonFailure) {
        return {
            ...base,
            verdict: 'wrong-body',
            status: result.status,
            detail: `${redactor.redact(jsonFailure)}: ${body()}`,
        };
    }
    return { ...base, verdict: 'pass', status: result.status, detail: '' };
}
function sleep(ms) {
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
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
    if (settings.expectedBody?.kind === 'regex' && !settings.regexThread) {
        throw new Error('runHealthCheck: an expected-body regex needs settings.regexThread to match it in');
    }
    const regexes = new BodyRegexMatcher(settings.regexThread ?? { filename: '' });
    if (settings.expectedBody?.kind === 'regex')
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
        let nextRoundMs = Math.min(settings.initialDelayMs, deadlineMs);
        await sleep(nextRoundMs - elapsedMs());
        while (elapsedMs() < deadlineMs) {
            rounds += 1;
            const probes = await Promise.all(settings.urls.map(async (url) => {
                const sentAt = external_node_perf_hooks_.performance.now();
                const leftMs = Math.max(1, Math.ceil(deadlineMs - elapsedMs()));
                const cutByTimeout = leftMs < settings.requestTimeoutMs;
                const timeoutMs = cutByTimeout ? leftMs : settings.requestTimeoutMs;
                const timeoutName = cutByTimeout ? 'what was left of timeout' : 'request-timeout';
                const result = await probeUrl({
                    url,
                    method: settings.method,
                    headers: settings.headers,
                    timeoutMs,
                    timeoutName,
                    maxRedirects: settings.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
                    followRedirects: settings.followRedirects ?? 'same-origin',
                    isAnswer,
                    transport,
                });
                const latencyMs = Math.round(external_node_perf_hooks_.performance.now() - sentAt);
                // Matching the body is part of the probe, so it gets what is left of the probe's own limit.
                const matchLimit = { ms: Math.max(1, timeoutMs - latencyMs), name: timeoutName };
                return judge(url, result, latencyMs, settings, { redactor, regexes, matchLimit });
            }));
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
            await sleep(nextRoundMs - elapsedMs());
        }
    }
    finally {
        transport.destroy();
        regexes.close();
    }
    const healthy = outcome === 'healthy';
    return {
        healthy,
        outcome,
        reason: explain(outcome, settings, state, rounds, lastRound, stoppedBeforeDeadline),
        rounds,
        passedRounds: state.passedRounds,
        failedRounds: state.failedRounds,
        timeToHealthySeconds: healthy ? state.healthySince : null,
        elapsedSeconds: seconds(elapsedMs()),
        urls: tallies.map((tally) => tally.snapshot()),
    };
}
function explain(outcome, settings, state, rounds, last, stoppedBeforeDeadline) {
    const failing = last?.probes.filter((probe) => probe.verdict !== 'pass').map((probe) => `${probe.url}: ${probe.detail}`) ?? [];
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
    if (rounds === 0)
        return `unhealthy: timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} reached before the first round (initial-delay ${(0,src/* formatDuration */.a3)(settings.initialDelayMs)})`;
    const progress = state.firstPassAt === null
        ? 'no round passed'
        : `${state.passedRounds} round(s) passed but not ${settings.successThreshold} in a row`;
    // Stopping less than an interval early is reaching the timeout; but when the interval outlasts the
    // time after initial-delay, the one round ran long before the timeout, and the message says why.
    const oneRoundFits = settings.intervalMs >= settings.timeoutMs - settings.initialDelayMs;
    const ending = stoppedBeforeDeadline && oneRoundFits
        ? `the next round would start after timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} (interval ${(0,src/* formatDuration */.a3)(settings.intervalMs)}), so the gate stopped`
        : `timeout ${(0,src/* formatDuration */.a3)(settings.timeoutMs)} reached`;
    return `unhealthy: ${ending} after ${rounds} round(s), ${progress}${lastWords}`;
}

;// CONCATENATED MODULE: ../../packages/health-check/src/index.ts









/***/ }),

/***/ 9361:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  SS: () => (/* reexport */ ReportedError),
  Qj: () => (/* reexport */ markdownTable)
});

// UNUSED EXPORTS: silentLog

;// CONCATENATED MODULE: ../../packages/reporting/src/log.ts
/** A log that drops everything: the default where a caller gives none. */
const silentLog = {
    info: () => { },
    warning: () => { },
    debug: () => { },
    group: (_title, work) => work(),
};

;// CONCATENATED MODULE: ../../packages/reporting/src/reported-error.ts
/**
 * The one error type a domain package throws when it failed after doing something worth reporting:
 * it carries the report as far as the work got, so the action can write its outputs and job
 * summary from it before the step fails. Errors thrown before anything happened (bad input, no
 * connection) are plain errors and carry no report.
 *
 * Subclasses only narrow the report's type and the error's name (`DeployFailedError`,
 * `RollbackRolloutError`); the action layer catches `ReportedError` without knowing which.
 */
class ReportedError extends Error {
    report;
    constructor(message, report) {
        super(message);
        this.report = report;
        this.name = 'ReportedError';
    }
}

;// CONCATENATED MODULE: ../../packages/reporting/src/markdown.ts
function escapeCell(cell) {
    return String(cell).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}
/**
 * A GitHub-flavoured Markdown table (header row, `---` separators, `|` escaped, newlines as `<br>`),
 * ending in a newline. Markdown rather than HTML so a summary also reads well as plain text in a terminal.
 */
function markdownTable(header, rows) {
    const lines = [
        `| ${header.map(escapeCell).join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
    ];
    return lines.join('\n') + '\n';
}

;// CONCATENATED MODULE: ../../packages/reporting/src/index.ts






/***/ })

};
