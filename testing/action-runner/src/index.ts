export * from './action-metadata.js';
export * from './node-binaries.js';
export * from './output-file.js';
export * from './workflow-commands.js';
export * from './run-bundle.js';
