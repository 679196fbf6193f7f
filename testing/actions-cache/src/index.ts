export * from './cache-service.js';
