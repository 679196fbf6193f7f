export const id = 871;
export const ids = [871];
export const modules = {

/***/ 7871:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   HostKeyError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.oZ),
/* harmony export */   PRIVATE_KEY_SHAPE: () => (/* reexport safe */ _request_js__WEBPACK_IMPORTED_MODULE_7__.s),
/* harmony export */   RemoteCommandError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.at),
/* harmony export */   SshAuthError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.hd),
/* harmony export */   SshConnectError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.zN),
/* harmony export */   SshConnectionLostError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.Fd),
/* harmony export */   SshKeyError: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.I8),
/* harmony export */   SshSession: () => (/* reexport safe */ _session_js__WEBPACK_IMPORTED_MODULE_8__.vM),
/* harmony export */   checkKnownHosts: () => (/* reexport safe */ _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__.FA),
/* harmony export */   connectAll: () => (/* reexport safe */ _connect_js__WEBPACK_IMPORTED_MODULE_9__.Q5),
/* harmony export */   connectSsh: () => (/* reexport safe */ _connect_js__WEBPACK_IMPORTED_MODULE_9__.LZ),
/* harmony export */   describeKey: () => (/* reexport safe */ _fingerprint_js__WEBPACK_IMPORTED_MODULE_1__.Rx),
/* harmony export */   fingerprintOf: () => (/* reexport safe */ _fingerprint_js__WEBPACK_IMPORTED_MODULE_1__.ax),
/* harmony export */   hostFieldMatches: () => (/* reexport safe */ _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__.cc),
/* harmony export */   hostKeyCheck: () => (/* reexport safe */ _host_key_policy_js__WEBPACK_IMPORTED_MODULE_3__.K),
/* harmony export */   hostLabel: () => (/* reexport safe */ _target_js__WEBPACK_IMPORTED_MODULE_6__.v),
/* harmony export */   keyTypeOf: () => (/* reexport safe */ _fingerprint_js__WEBPACK_IMPORTED_MODULE_1__.zj),
/* harmony export */   knownHostsLine: () => (/* reexport safe */ _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__.TZ),
/* harmony export */   knownHostsName: () => (/* reexport safe */ _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__.on),
/* harmony export */   parseKnownHosts: () => (/* reexport safe */ _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__.uJ),
/* harmony export */   sameFingerprint: () => (/* reexport safe */ _fingerprint_js__WEBPACK_IMPORTED_MODULE_1__.tU),
/* harmony export */   shellCommand: () => (/* reexport safe */ _shell_quote_js__WEBPACK_IMPORTED_MODULE_0__.q),
/* harmony export */   shellQuote: () => (/* reexport safe */ _shell_quote_js__WEBPACK_IMPORTED_MODULE_0__.Z),
/* harmony export */   sshTargetsFrom: () => (/* reexport safe */ _target_js__WEBPACK_IMPORTED_MODULE_5__.N),
/* harmony export */   stderrTail: () => (/* reexport safe */ _errors_js__WEBPACK_IMPORTED_MODULE_4__.be),
/* harmony export */   withSessions: () => (/* reexport safe */ _connect_js__WEBPACK_IMPORTED_MODULE_9__.sH)
/* harmony export */ });
/* harmony import */ var _shell_quote_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7652);
/* harmony import */ var _fingerprint_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(5635);
/* harmony import */ var _known_hosts_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(630);
/* harmony import */ var _host_key_policy_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(1446);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8460);
/* harmony import */ var _target_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4506);
/* harmony import */ var _target_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6442);
/* harmony import */ var _request_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(6566);
/* harmony import */ var _session_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(4319);
/* harmony import */ var _connect_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(9057);











/***/ })

};
