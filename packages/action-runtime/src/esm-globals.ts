import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * An action bundle is ESM, where `__dirname` and `__filename` do not exist, yet bundled CommonJS
 * dependencies read them while loading (ssh2's emscripten-built poly1305 does, and crashes the
 * action before its first line runs). The entry imports this package first, so these globals
 * are in place before any dependency loads; CommonJS modules keep their own, which shadow them.
 */
const globals = globalThis as { __dirname?: string; __filename?: string };
if (globals.__filename === undefined) {
  globals.__filename = fileURLToPath(import.meta.url);
  globals.__dirname = dirname(globals.__filename);
}
