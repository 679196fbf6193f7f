// First, so that bundled dependencies find the CommonJS globals when they load.
import './esm-globals.js';
export * from './run-action.js';
export * from './log.js';
export * from './publish.js';
export * from './run-context.js';
export * from './http-agents.js';
export * from './lifecycle.js';
export * from './plan-file.js';
