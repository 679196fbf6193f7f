export * from './run-action.js';
export * from './outputs.js';
export * from './summary.js';
