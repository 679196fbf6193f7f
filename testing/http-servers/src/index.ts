export * from './servers.js';
export * from './hostile.js';
export * from './proxy.js';
export * from './gate-answers.js';
