export * from './github-api.js';
