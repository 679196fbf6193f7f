export * from './workflow-runner.js';
export { InvalidWorkflowError, type ContextValue, type Contexts } from './workflow-parse.js';
export * from './example-app.js';
export { contextDigest } from './stand-ins.js';
