export const id = 235;
export const ids = [235];
export const modules = {

/***/ 3235:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FrontendRollbackFailedError: () => (/* reexport safe */ _sophia_releases__WEBPACK_IMPORTED_MODULE_1__.so),
/* harmony export */   rollBackEveryHost: () => (/* binding */ rollBackEveryHost)
/* harmony export */ });
/* harmony import */ var _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6316);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2347);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3476);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4187);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(5699);
/* harmony import */ var _sophia_releases__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(68);


// For the runbook, which loads this module (and the release flow) only for a frontend rollback.

/**
 * Switches every host back (all or none, under the deploy lock), connecting all first and closing all after.
 * @throws FrontendRollbackFailedError (carrying every host's outcome) when a switch failed or the release
 *   rolled back from could not be marked failed; any other error before any host changed.
 */
async function rollBackEveryHost(settings) {
    const { component: _component, ssh, ...request } = settings;
    const { lockToken, journal } = (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_2__/* .rememberDeployLock */ .S9)(_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .stepState */ .QP, settings.target);
    return (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_3__/* .withReleaseHosts */ .B)(ssh, _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx, (hosts) => (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_4__/* .rollbackFrontend */ .F)({
        ...request,
        lockToken,
        journal,
        origin: (0,_sophia_releases__WEBPACK_IMPORTED_MODULE_5__/* .releaseOrigin */ .Q9)((0,_sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .runContext */ .pO)()),
        // Hosts switch in parallel: their lines are live at debug level only, and folded per host afterwards.
        log: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.debug,
        warn: _sophia_action_runtime__WEBPACK_IMPORTED_MODULE_0__/* .actionLog */ .Zx.warning,
    }, hosts));
}


/***/ })

};
