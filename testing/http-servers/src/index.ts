export * from './servers.js';
export * from './hostile.js';
export * from './proxy.js';
