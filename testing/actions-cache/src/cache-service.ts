/**
 * A stand-in for GitHub's cache service v2, the one github.com serves today: the Twirp JSON API
 * `github.actions.results.api.v1.CacheService` at ACTIONS_RESULTS_URL (CreateCacheEntry,
 * FinalizeCacheEntryUpload, GetCacheEntryDownloadURL) and the signed blob URLs it hands out, which
 * @actions/cache reads and writes with the Azure Storage SDK (HEAD, ranged GET, single-shot PUT of a
 * block blob). A real HTTP server on loopback keeping state, so the real @actions/cache runs unchanged
 * against it.
 *
 * Sources of the behaviour: the service's protobuf in actions/toolkit (packages/cache/src/generated/
 * results/api/v1/cache.ts: field names, JSON in proto field names), @actions/cache's cache.ts
 * (restoreCacheV2, saveCacheV2: the call order and which answers it treats as a miss or a failure),
 * GitHub's "Dependency caching reference" (an entry is immutable: a key and version saved once cannot
 * be saved again; a restore tries the key, then each restore key as a prefix, newest entry first), and
 * Azure's Blob REST reference ("Put Blob", "Get Blob", "Get Blob Properties": headers and status codes).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { startServer } from '@sophia-testing/http-servers';

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

/** One cache entry as the service keeps it. */
export interface CacheEntry {
  id: number;
  key: string;
  /** @actions/cache's version: a hash of the paths, the compression method and the cross-OS flag. */
  version: string;
  /** The archive (tar, compressed as the client chose); undefined until uploaded. */
  archive?: Buffer;
  /** The size the client declared when finalizing, in bytes. */
  sizeBytes?: number;
  finalized: boolean;
  /** Order of creation: a restore key's prefix match returns the newest. */
  createdAt: number;
  /** Random part of the signed URLs of this entry. */
  signature: string;
}

/** One call to the Twirp API, as received. */
export interface CacheCall {
  method: 'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL' | string;
  body: Record<string, unknown>;
  token?: string;
}

export interface CacheServiceOptions {
  /** The runtime token (ACTIONS_RUNTIME_TOKEN) it accepts; a request with another gets Twirp 401. */
  token?: string;
}

export interface CacheService {
  /** ACTIONS_RESULTS_URL, ending in `/` as the runner's does. */
  url: string;
  /** The token the service accepts, for ACTIONS_RUNTIME_TOKEN. */
  token: string;
  /** The variables the runner gives a step when the cache service v2 is in use. */
  env(): Record<string, string>;
  entries: CacheEntry[];
  calls: CacheCall[];
  /** Every Twirp call answers Twirp `internal` with this HTTP status until cleared (undefined). */
  failWith(status: number | undefined): void;
  /**
   * Every blob request (the archive's upload and download) answers this HTTP status with Azure's
   * `InternalError` until cleared (undefined): the storage behind a healthy service failing.
   */
  failBlobsWith(status: number | undefined): void;
  stop(): Promise<void>;
}

function twirpError(response: http.ServerResponse, status: number, code: string, msg: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ code, msg }));
}

function json(response: http.ServerResponse, body: unknown): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Starts the stand-in on loopback. */
export async function startCacheService(options: CacheServiceOptions = {}): Promise<CacheService> {
  const token = options.token ?? `cache-token-${randomBytes(8).toString('hex')}`;
  const entries: CacheEntry[] = [];
  const calls: CacheCall[] = [];
  let failure: number | undefined;
  let blobFailure: number | undefined;
  let nextId = 1;
  // Known once the server listens; the handlers below only run after that.
  const where = { origin: '' };

  const blobUrl = (entry: CacheEntry) =>
    // Path-style (account/container/blob), as the Azure SDK parses a URL whose host is an IP address.
    `${where.origin}/devstoreaccount1/actions-cache/${entry.id}?sig=${entry.signature}`;

  const twirp = async (request: http.IncomingMessage, response: http.ServerResponse, method: string) => {
    const text = (await readBody(request)).toString('utf8');
    const auth = request.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      twirpError(response, 400, 'malformed', 'the request body is not JSON');
      return;
    }
    calls.push({ method, body, token: given });
    if (given !== token) return twirpError(response, 401, 'unauthenticated', 'invalid runtime token');
    if (failure !== undefined) return twirpError(response, failure, 'internal', 'the cache service failed');
    const key = String(body.key ?? '');
    const version = String(body.version ?? '');
    if (method === 'CreateCacheEntry') {
      if (entries.some((entry) => entry.key === key && entry.version === version)) {
        return twirpError(
          response,
          409,
          'already_exists',
          'cache entry with the same key, version, and scope already exists',
        );
      }
      const entry: CacheEntry = {
        id: nextId++,
        key,
        version,
        finalized: false,
        createdAt: entries.length,
        signature: randomBytes(8).toString('hex'),
      };
      entries.push(entry);
      return json(response, { ok: true, signed_upload_url: blobUrl(entry) });
    }
    if (method === 'FinalizeCacheEntryUpload') {
      const entry = entries.find((candidate) => candidate.key === key && candidate.version === version);
      if (!entry || entry.archive === undefined) return json(response, { ok: false, message: 'no upload to finalize' });
      entry.finalized = true;
      entry.sizeBytes = Number(body.size_bytes ?? entry.archive.length);
      return json(response, { ok: true, entry_id: String(entry.id) });
    }
    if (method === 'GetCacheEntryDownloadURL') {
      const usable = entries.filter((entry) => entry.finalized && entry.version === version);
      const newest = (match: (entry: CacheEntry) => boolean) =>
        usable.filter(match).sort((a, b) => b.createdAt - a.createdAt)[0];
      const restoreKeys = Array.isArray(body.restore_keys) ? body.restore_keys.map(String) : [];
      const found =
        newest((entry) => entry.key === key) ??
        newest((entry) => entry.key.startsWith(key)) ??
        restoreKeys.map((prefix) => newest((entry) => entry.key.startsWith(prefix))).find(Boolean);
      if (!found) return json(response, { ok: false });
      return json(response, { ok: true, signed_download_url: blobUrl(found), matched_key: found.key });
    }
    return twirpError(response, 404, 'bad_route', `no method ${method}`);
  };

  const blob = async (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => {
    const id = Number(url.pathname.split('/').pop());
    const entry = entries.find((candidate) => candidate.id === id);
    const headers = {
      'x-ms-request-id': randomBytes(8).toString('hex'),
      'x-ms-version': '2025-01-05',
      date: new Date().toUTCString(),
    };
    if (blobFailure !== undefined) {
      await readBody(request);
      response.writeHead(blobFailure, { ...headers, 'x-ms-error-code': 'InternalError' });
      response.end();
      return;
    }
    if (!entry || url.searchParams.get('sig') !== entry.signature) {
      await readBody(request);
      response.writeHead(403, { ...headers, 'x-ms-error-code': 'AuthenticationFailed' });
      response.end();
      return;
    }
    if (request.method === 'PUT') {
      const data = await readBody(request);
      if (url.searchParams.has('comp')) {
        // Staged blocks are used only above the SDK's 128 MiB single-shot size: not needed by anything here.
        response.writeHead(501, { ...headers, 'x-ms-error-code': 'NotImplemented' });
        response.end();
        return;
      }
      if (entry.finalized) {
        response.writeHead(409, { ...headers, 'x-ms-error-code': 'BlobAlreadyExists' });
        response.end();
        return;
      }
      entry.archive = data;
      response.writeHead(201, { ...headers, etag: `"0x${entry.signature}"`, 'last-modified': headers.date });
      response.end();
      return;
    }
    await readBody(request);
    if (entry.archive === undefined) {
      response.writeHead(404, { ...headers, 'x-ms-error-code': 'BlobNotFound' });
      response.end();
      return;
    }
    const archive = entry.archive;
    const blobHeaders = {
      ...headers,
      etag: `"0x${entry.signature}"`,
      'last-modified': headers.date,
      'x-ms-blob-type': 'BlockBlob',
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (request.method === 'HEAD') {
      response.writeHead(200, { ...blobHeaders, 'content-length': archive.length });
      response.end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers['x-ms-range'] ?? request.headers.range ?? ''));
    if (!range) {
      response.writeHead(200, { ...blobHeaders, 'content-length': archive.length });
      response.end(archive);
      return;
    }
    const start = Number(range[1]);
    const end = Math.min(range[2] === '' ? archive.length - 1 : Number(range[2]), archive.length - 1);
    const part = archive.subarray(start, end + 1);
    response.writeHead(206, {
      ...blobHeaders,
      'content-length': part.length,
      'content-range': `bytes ${start}-${end}/${archive.length}`,
    });
    response.end(part);
  };

  const started = await startServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const handle = url.pathname.startsWith(SERVICE)
      ? request.method === 'POST'
        ? twirp(request, response, url.pathname.slice(SERVICE.length))
        : Promise.resolve(twirpError(response, 405, 'bad_route', 'Twirp takes POST'))
      : blob(request, response, url);
    handle.catch((error: unknown) => {
      if (!response.headersSent) twirpError(response, 500, 'internal', String(error));
      else response.destroy();
    });
  });
  where.origin = started.origin;

  const url = `${started.origin}/`;
  return {
    url,
    token,
    env: () => ({
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RESULTS_URL: url,
      ACTIONS_RUNTIME_TOKEN: token,
      ACTIONS_CACHE_URL: url,
    }),
    entries,
    calls,
    failWith: (status) => {
      failure = status;
    },
    failBlobsWith: (status) => {
      blobFailure = status;
    },
    stop: () => started.stop(),
  };
}
