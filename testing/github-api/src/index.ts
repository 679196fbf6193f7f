export * from './github-api.js';
export * from './rendered-markdown.js';
