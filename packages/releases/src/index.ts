export * from './manifest.js';
export * from './delta.js';
export * from './tar-writer.js';
export * from './release-stream.js';
