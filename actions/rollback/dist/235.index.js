export const id = 235;
export const ids = [235];
export const modules = {

/***/ 3235:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FrontendRollbackFailedError: () => (/* reexport safe */ _sophia_releases__WEBPACK_IMPORTED_MODULE_1__.FrontendRollbackFailedError),
/* harmony export */   frontendRollbackPublication: () => (/* binding */ frontendRollbackPublication),
/* harmony export */   notRolledBackPublication: () => (/* binding */ notRolledBackPublication),
/* harmony export */   rollBackEveryHost: () => (/* binding */ rollBackEveryHost)
/* harmony export */ });
/* unused harmony export perHostOutput */
/* harmony import */ var _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3827);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(348);
/* harmony import */ var _sophia_reporting__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6094);



// For the runbook, which loads this module (and the release flow) only for a frontend rollback.

/** One id when every host agrees (the usual case), else a JSON object host label (`host:port`) -> id. */
function perHostOutput(hosts, pick) {
    const values = new Set(hosts.map((host) => pick(host) ?? ''));
    if (values.size === 1)
        return [...values][0];
    return JSON.stringify(Object.fromEntries(hosts.map((host) => [host.label, pick(host) ?? ''])));
}
/**
 * Switches every host back (all or none, under the deploy lock), connecting all first and closing all after.
 * @throws FrontendRollbackFailedError (carrying every host's outcome) when a switch failed or the release
 *   rolled back from could not be marked failed; any other error before any host changed.
 */
async function rollBackEveryHost(settings) {
    const { component: _component, ssh, ...request } = settings;
    const { lockToken, journal } = (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.rememberDeployLock)(_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .stepState */ .QP, settings.target);
    return (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.withReleaseHosts)(ssh, _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx, (hosts) => (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.rollbackFrontend)({
        ...request,
        lockToken,
        journal,
        origin: (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.releaseOrigin)((0,_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .runContext */ .pO)()),
        // Hosts switch in parallel: their lines are live at debug level only, and folded per host afterwards.
        log: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.debug,
        warn: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.warning,
    }, hosts));
}
function resultOf(host) {
    switch (host.outcome) {
        case 'switched':
            return `switched${host.markedFailed ? `, ${host.from} marked failed` : ''}${host.error ? `; ${host.error}` : ''}`;
        case 'already live':
            return 'already live';
        case 'put back':
            return `switched, then put back on ${host.from ?? 'nothing'} (another host failed)`;
        case 'not switched':
            return host.error ? `not switched: ${host.error}` : 'not switched';
        case 'unknown':
            return `unknown: ${host.error ?? ''}`;
    }
}
/**
 * The release a host serves after the rollback: `to` once it switched (or already served it), `from`
 * when it was never switched or was put back, empty when that is unknown (it could not be put back).
 */
function liveAfter(host) {
    switch (host.outcome) {
        case 'switched':
        case 'already live':
            return host.to;
        case 'put back':
        case 'not switched':
            return host.from;
        case 'unknown':
            return undefined;
    }
}
/**
 * `true` when some host may serve another release than before the rollback: it switched, or it is
 * unknown what it serves (a caller must then not take the release rolled back from as live).
 */
function switchedAny(hosts) {
    return String(hosts.some((host) => host.outcome === 'switched' || host.outcome === 'unknown'));
}
/**
 * Outputs `from`/`to` (what the rollback aimed for), `live`/`switched` (what it left serving), one log
 * group per host and the summary table of a frontend rollback of `target`.
 */
function frontendRollbackPublication(hosts, target) {
    const table = (0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_2__/* .markdownTable */ .Qj)(['Host', 'From', 'To', 'Result'], hosts.map((host) => [host.label, host.from ?? '–', host.to, resultOf(host)]));
    return {
        outputs: {
            from: perHostOutput(hosts, (host) => host.from),
            to: perHostOutput(hosts, (host) => host.to),
            live: perHostOutput(hosts, liveAfter),
            switched: switchedAny(hosts),
        },
        logGroups: hosts.map((host) => ({ title: host.label, lines: [...host.log, resultOf(host)] })),
        summary: `### Rollback of ${target}\n\n${table}`,
    };
}
/**
 * A rollback that failed before any host changed (refused, locked, unreachable): `switched` false,
 * the other outputs empty (no host was read), and why.
 */
function notRolledBackPublication(error, target) {
    const message = error instanceof Error ? error.message : String(error);
    return {
        outputs: { from: '', to: '', live: '', switched: 'false' },
        summary: `### Rollback of ${target}\n\nNo host was changed.\n\n**Failed:** ${message}\n`,
    };
}


/***/ })

};
