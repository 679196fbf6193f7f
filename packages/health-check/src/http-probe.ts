import http from 'node:http';
import https from 'node:https';
import { classifyProbeError, ProbeError } from './probe-errors.js';

/** The largest body kept for matching; health endpoints are small, and a huge page must not fill memory. */
export const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface Redirect {
  status: number;
  from: string;
  to: string;
}

/** What one probe got: an answer (whatever its status), or a probe error; the redirects followed either way. */
export type HttpResult =
  | { kind: 'answer'; status: number; body: string; finalUrl: string; redirects: Redirect[] }
  | { kind: 'error'; error: ProbeError; redirects: Redirect[] };

export interface ProbeRequest {
  url: URL;
  method: string;
  headers: ReadonlyArray<readonly [string, string]>;
  /** For the whole probe, redirects included. */
  timeoutMs: number;
  /** Which limit timeoutMs is, for the error message. */
  timeoutName: string;
  maxRedirects: number;
  /** A redirect status the caller expects is an answer, not a hop to follow. */
  isAnswer: (status: number) => boolean;
  transport: ProbeTransport;
}

/**
 * The sockets of one gate run. Connections are not kept alive between rounds: every probe opens
 * its own, so a restarted or dead instance shows up at once, and `destroy()` leaves nothing open.
 */
export class ProbeTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly httpsAgent: https.Agent;
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(insecureTls: boolean) {
    this.httpsAgent = new https.Agent({ keepAlive: false, rejectUnauthorized: !insecureTls });
  }

  request(url: URL, options: http.RequestOptions): http.ClientRequest {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      ...options,
      agent: secure ? this.httpsAgent : this.httpAgent,
    });
    this.inFlight.add(request);
    request.once('close', () => this.inFlight.delete(request));
    return request;
  }

  destroy(): void {
    for (const request of this.inFlight) request.destroy(new ProbeError('other', 'health gate finished'));
    this.inFlight.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

/** One hop: sends the request and reads at most MAX_BODY_BYTES of the answer. */
function exchange(
  transport: ProbeTransport,
  url: URL,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers });
    const onAbort = (): void => {
      request.destroy(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    request.on('error', (error) => {
      settle();
      reject(classifyProbeError(error));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', (error) => {
        settle();
        reject(classifyProbeError(error));
      });
      response.on('end', () => {
        settle();
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
        });
      });
    });
    request.end();
  });
}

/**
 * One probe of one URL, following redirects. Headers go only to the origin of the URL the user
 * named: a redirect to another origin must not carry their tokens along.
 */
export async function probeUrl(probe: ProbeRequest): Promise<HttpResult> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new ProbeError('timeout', `no answer within ${probe.timeoutMs} ms (${probe.timeoutName})`)),
    probe.timeoutMs,
  );
  const redirects: Redirect[] = [];
  let url = probe.url;
  let method = probe.method;
  try {
    for (;;) {
      const headers = sameOrigin(url, probe.url) ? Object.fromEntries(probe.headers) : {};
      const hop = await exchange(probe.transport, url, method, headers, controller.signal);
      if (!REDIRECT_STATUSES.has(hop.status) || !hop.location || probe.isAnswer(hop.status)) {
        return { kind: 'answer', status: hop.status, body: hop.body, finalUrl: url.href, redirects };
      }
      if (redirects.length >= probe.maxRedirects) {
        throw new ProbeError('redirect', `more than ${probe.maxRedirects} redirects (last to ${hop.location})`);
      }
      let next: URL;
      try {
        next = new URL(hop.location, url);
      } catch {
        throw new ProbeError('redirect', `redirect to an invalid location ${JSON.stringify(hop.location)}`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new ProbeError('redirect', `redirect to a non-HTTP location ${next.href}`);
      }
      redirects.push({ status: hop.status, from: url.href, to: next.href });
      // As browsers do: 303 always, and 301/302 after anything but GET/HEAD, continue with GET.
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method !== 'GET' && method !== 'HEAD')) {
        method = 'GET';
      }
      url = next;
    }
  } catch (error) {
    return { kind: 'error', error: classifyProbeError(error), redirects };
  } finally {
    clearTimeout(timer);
  }
}
