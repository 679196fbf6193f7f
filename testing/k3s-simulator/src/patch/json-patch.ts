/** RFC 6902 JSON Patch, as `kubectl rollout undo` and the apply migration send it. */
import { badRequest, ApiError } from '../status.js';
import { clone, isPlainObject, jsonEqual, type Json } from '../types.js';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/'))
    throw badRequest(`the server rejected our request due to an error in our request: invalid pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(document: Json, tokens: string[], pointer: string): { parent: Json; key: string } {
  let parent = document;
  for (const token of tokens.slice(0, -1)) {
    parent = Array.isArray(parent) ? parent[Number(token)] : parent?.[token];
    if (parent === undefined || parent === null) {
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: missing path ${pointer}`,
      );
    }
  }
  return { parent, key: tokens[tokens.length - 1] };
}

function getAt(document: Json, pointer: string): Json {
  let value = document;
  for (const token of parsePointer(pointer)) {
    value = Array.isArray(value) ? value[Number(token)] : isPlainObject(value) ? value[token] : undefined;
    if (value === undefined)
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: missing value at ${pointer}`,
      );
  }
  return value;
}

function removeAt(document: Json, pointer: string): Json {
  const { parent, key } = parentOf(document, parsePointer(pointer), pointer);
  if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
  if (!isPlainObject(parent) || !(key in parent)) {
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: Unable to remove nonexistent key: ${key}: missing value`,
    );
  }
  const removed = parent[key];
  delete parent[key];
  return removed;
}

function addAt(document: Json, pointer: string, value: Json, replace: boolean): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(document, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (replace) parent[index] = value;
    else parent.splice(index, 0, value);
  } else if (isPlainObject(parent)) {
    if (replace && !(key in parent)) {
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: replace operation does not apply: doc is missing key: ${pointer}: missing value`,
      );
    }
    parent[key] = value;
  }
  return document;
}

export function applyJsonPatch(original: Json, operations: unknown): Json {
  if (!Array.isArray(operations)) throw badRequest('the server rejected our request due to an error in our request');
  let document = clone(original);
  for (const operation of operations as Operation[]) {
    switch (operation.op) {
      case 'add':
        document = addAt(document, operation.path, clone(operation.value), false);
        break;
      case 'replace':
        document = addAt(document, operation.path, clone(operation.value), true);
        break;
      case 'remove':
        removeAt(document, operation.path);
        break;
      case 'move':
        document = addAt(document, operation.path, removeAt(document, operation.from ?? ''), false);
        break;
      case 'copy':
        document = addAt(document, operation.path, clone(getAt(document, operation.from ?? '')), false);
        break;
      case 'test':
        if (!jsonEqual(getAt(document, operation.path), operation.value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${operation.path} failed: test failed`,
          );
        }
        break;
      default:
        throw badRequest(
          `the server rejected our request due to an error in our request: unexpected kind: ${operation.op}`,
        );
    }
  }
  return document;
}
