export * from './gate.js';
export * from './http-probe.js';
export * from './probe-errors.js';
export * from './report.js';
export * from './expectations.js';
export * from './json-check-failure.js';
export * from './redaction.js';
export * from './body-regex.js';
