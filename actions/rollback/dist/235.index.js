export const id = 235;
export const ids = [235];
export const modules = {

/***/ 3235:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   frontendRollback: () => (/* binding */ frontendRollback),
/* harmony export */   frontendRollbackPublication: () => (/* binding */ frontendRollbackPublication)
/* harmony export */ });
/* unused harmony export perHostOutput */
/* harmony import */ var _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(463);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4417);
/* harmony import */ var _sophia_reporting__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(9361);
/* harmony import */ var _sophia_ssh__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(5487);




/** The host as the user wrote it, port included when given (two hosts may share an address). */
function hostName(host) {
    if (host.port === undefined)
        return host.host;
    return host.host.includes(':') ? `[${host.host}]:${host.port}` : `${host.host}:${host.port}`;
}
/** One id when every host agrees (the usual case), else a JSON object host -> id. */
function perHostOutput(hosts, pick) {
    const values = new Set(hosts.map((host) => pick(host) ?? ''));
    if (values.size === 1)
        return [...values][0];
    return JSON.stringify(Object.fromEntries(hosts.map((host) => [host.host, pick(host) ?? ''])));
}
/** Switches every host back (all or none, under the deploy lock), connecting all first and closing all after. */
async function frontendRollback(settings) {
    const targets = (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_3__.sshTargetsFrom)(settings.ssh);
    return (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_3__.withSessions)(targets, _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx, (sessions) => (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.rollbackFrontend)({
        target: settings.target,
        to: settings.to,
        markFailed: settings.markFailed,
        nginxReloadCommand: settings.nginxReloadCommand,
        lockTimeoutMs: settings.lockTimeoutMs,
        lockToken: (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.rememberDeployLock)(_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .stepState */ .QP, settings.target),
        origin: (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_1__.releaseOrigin)((0,_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .runContext */ .pO)()),
        log: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.info,
        warn: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.warning,
    }, sessions.map((session, index) => ({
        name: hostName(settings.ssh.hosts[index]),
        session,
        reconnect: () => (0,_sophia_ssh__WEBPACK_IMPORTED_MODULE_3__.connectSsh)(targets[index], _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx),
    }))));
}
/** Outputs `from`/`to` and the summary table of a frontend rollback of `target`. */
function frontendRollbackPublication(hosts, target) {
    const table = (0,_sophia_reporting__WEBPACK_IMPORTED_MODULE_2__/* .markdownTable */ .Qj)(['Host', 'From', 'To', 'Result'], hosts.map((host) => [
        host.label,
        host.from ?? '–',
        host.to,
        host.alreadyLive ? 'already live' : `switched${host.markedFailed ? `, ${host.from} marked failed` : ''}`,
    ]));
    return {
        outputs: { from: perHostOutput(hosts, (host) => host.from), to: perHostOutput(hosts, (host) => host.to) },
        summary: `### Rollback of ${target}\n\n${table}`,
    };
}


/***/ })

};
