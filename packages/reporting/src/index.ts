export * from './log.js';
export * from './reported-error.js';
export * from './markdown.js';
export * from './run-context.js';
export * from './host-label.js';
export * from './publication.js';
export * from './deploy-plan.js';
