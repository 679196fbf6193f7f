export * from './workflow-runner.js';
export * from './expressions.js';
