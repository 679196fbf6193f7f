import http from 'node:http';
import https from 'node:https';
import { classifyProbeError, ProbeError } from './probe-errors.js';
import type { Redactor } from './redaction.js';

/** The largest body kept for matching; health endpoints are small, and a huge page must not fill memory. */
export const MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** One redirect a probe followed: its 3xx status and the absolute URLs it went from and to. */
export interface Redirect {
  status: number;
  from: string;
  to: string;
}

/**
 * Which redirects a probe follows. A deploy gate must not pass because a health URL redirects to a
 * login page that answers 200, and a login page is as often on the same origin (`/healthz` to
 * `/login`) as elsewhere, so the gate's default is `none`: a redirect is an answer with its 3xx
 * status, which fails unless expected. `same-origin` follows redirects within the URL's own scheme,
 * host and port (a trailing-slash redirect); `any` follows them anywhere.
 */
export type RedirectPolicy = 'none' | 'same-origin' | 'any';

/** A redirect the probe did not follow, and why (the policy that stopped it). */
export interface UnfollowedRedirect {
  to: string;
  reason: string;
}

/**
 * What one probe got: an answer (whatever its status), or a probe error; the redirects followed either
 * way. `finalUrl` is the URL that gave the answer; `unfollowed` is set when the answer is a redirect the
 * policy did not follow.
 */
export type HttpResult =
  | {
      kind: 'answer';
      status: number;
      body: string;
      finalUrl: string;
      redirects: Redirect[];
      unfollowed?: UnfollowedRedirect;
    }
  | { kind: 'error'; error: ProbeError; redirects: Redirect[]; finalUrl: string };

/**
 * One probe of one URL: the request to send, the limits that bound it (`timeoutMs` in milliseconds covers the whole
 * probe, redirects included), and how messages quote what the server sent.
 */
export interface ProbeRequest {
  url: URL;
  method: string;
  headers: ReadonlyArray<readonly [string, string]>;
  /** For the whole probe, redirects included. */
  timeoutMs: number;
  /** Which limit timeoutMs is, for the error message. */
  timeoutName: string;
  maxRedirects: number;
  followRedirects: RedirectPolicy;
  /** A redirect status the caller expects is an answer, not a hop to follow. */
  isAnswer: (status: number) => boolean;
  transport: ProbeTransport;
  /**
   * Shows server text (a Location, a socket error) and the URL's parts in messages: redacted, then
   * shortened. Messages quote such text only through it, so no cut can end in half a secret.
   */
  redactor: Redactor;
}

/** How probes reach one URL: the agent, and the proxy it goes through for messages (undefined: direct). */
export interface ProbeRoute {
  agent: http.Agent;
  /** Names the proxy without its credentials, such as `proxy http://proxy:3128 (HTTPS_PROXY)`. */
  proxy?: string;
}

/**
 * How a probe reaches a URL: (url, insecureTls) -> ProbeRoute. The action passes proxy-aware routes
 * (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); left out, probes connect directly.
 */
export type ProbeAgents = (url: URL, insecureTls: boolean) => ProbeRoute;

/** Direct connections, no keep-alive. */
export function directAgents(): ProbeAgents {
  const agents = { 'http:': new http.Agent({ keepAlive: false }), secure: new https.Agent({ keepAlive: false }) };
  const insecure = new https.Agent({ keepAlive: false, rejectUnauthorized: false });
  return (url, insecureTls) => ({
    agent: url.protocol !== 'https:' ? agents['http:'] : insecureTls ? insecure : agents.secure,
  });
}

/**
 * The sockets of one gate run. Connections are not kept alive between rounds: every probe opens
 * its own, so a restarted or dead instance shows up at once, and `destroy()` leaves nothing open.
 */
export class ProbeTransport {
  private readonly agents = new Set<http.Agent>();
  private readonly inFlight = new Set<http.ClientRequest>();

  constructor(
    private readonly insecureTls: boolean,
    private readonly agentFor: ProbeAgents = directAgents(),
  ) {}

  /** Sends a request on the URL's route; `proxy` names the proxy it goes through, if any. */
  request(url: URL, options: http.RequestOptions): { request: http.ClientRequest; proxy?: string } {
    const secure = url.protocol === 'https:';
    const { agent, proxy } = this.agentFor(url, this.insecureTls);
    this.agents.add(agent);
    const request = (secure ? https : http).request(url, { ...options, agent });
    this.inFlight.add(request);
    request.once('close', () => this.inFlight.delete(request));
    return { request, proxy };
  }

  /**
   * Aborts every request still in flight (each fails with a ProbeError `other`) and closes the agents' sockets, so the
   * gate's process can exit at once.
   */
  destroy(): void {
    for (const request of this.inFlight) request.destroy(new ProbeError('other', 'health gate finished'));
    this.inFlight.clear();
    for (const agent of this.agents) (agent as Partial<http.Agent>).destroy?.();
    this.agents.clear();
  }
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host;
}

/**
 * The redirect target `next` with the credentials it may carry: the user's URL userinfo (sent as
 * Basic) when `next` has the origin (scheme, host and port) of the URL the user named, whether the
 * location was relative or absolute; none for any other origin, not even userinfo the location
 * itself names. This is curl's rule without --location-trusted (credentials go only to the original
 * scheme, host and port; since 7.83.0, CVE-2022-27776) and the fetch standard's (HTTP-redirect fetch
 * drops `Authorization` when the redirect leaves the origin).
 */
function withOriginCredentials(next: URL, named: URL): URL {
  const target = new URL(next.href);
  const same = sameOrigin(target, named);
  target.username = same ? named.username : '';
  target.password = same ? named.password : '';
  return target;
}

/**
 * One hop: sends the request and reads at most MAX_BODY_BYTES of the answer. Settles when `signal`
 * aborts, rejecting with its reason; `limit` names the probe's time limit for messages ("500 ms (request-timeout)").
 */
function exchange(
  transport: ProbeTransport,
  url: URL,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  limit: string,
  redactor: Redactor,
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const { request, proxy } = transport.request(url, { method, headers });
    // Through a proxy, the request gets its socket only once the proxy has answered CONNECT with 200.
    let tunnelled = !proxy;
    request.once('socket', () => {
      tunnelled = true;
    });
    const onAbort = (): void => {
      settle();
      // The toolkit's tunnelling agent gives the request no socket while CONNECT is pending, so
      // destroying it emits no 'error': the probe settles here, whatever the transport does.
      const reason = signal.reason as Error;
      reject(
        !tunnelled && reason instanceof ProbeError && reason.kind === 'timeout'
          ? new ProbeError('proxy', `${proxy} did not answer CONNECT within ${limit}`)
          : reason,
      );
      request.destroy(reason);
    };
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      settle();
      reject(classifyProbeError(error, redactor, url, proxy));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = (): void => {
        settle();
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
        });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // A body past the limit (or one that never ends) is judged on its first MAX_BODY_BYTES, at once.
        if (size >= MAX_BODY_BYTES) {
          answer();
          request.destroy();
        }
      });
      response.on('error', (error) => {
        settle();
        reject(classifyProbeError(error, redactor, url, proxy));
      });
      response.on('end', answer);
    });
    if (signal.aborted) onAbort();
    else request.end();
  });
}

/**
 * One probe of one URL, following redirects as `followRedirects` allows. Headers go only to the
 * origin of the URL the user named: a redirect to another origin must not carry their tokens along.
 */
export async function probeUrl(probe: ProbeRequest): Promise<HttpResult> {
  const controller = new AbortController();
  const limit = `${probe.timeoutMs} ms (${probe.timeoutName})`;
  const timer = setTimeout(
    () => controller.abort(new ProbeError('timeout', `no answer within ${limit}`)),
    probe.timeoutMs,
  );
  const redirects: Redirect[] = [];
  let url = probe.url;
  let method = probe.method;
  try {
    for (;;) {
      const headers = sameOrigin(url, probe.url) ? Object.fromEntries(probe.headers) : {};
      const hop = await exchange(probe.transport, url, method, headers, controller.signal, limit, probe.redactor);
      const answer = { kind: 'answer' as const, status: hop.status, body: hop.body, finalUrl: url.href, redirects };
      if (!REDIRECT_STATUSES.has(hop.status) || !hop.location || probe.isAnswer(hop.status)) return answer;
      let next: URL;
      try {
        next = new URL(hop.location, url);
      } catch {
        throw new ProbeError('redirect', `redirect to an invalid location ${probe.redactor.quoted(hop.location)}`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new ProbeError('redirect', `redirect to a non-HTTP location ${probe.redactor.url(next.href)}`);
      }
      if (probe.followRedirects === 'none') {
        return {
          ...answer,
          unfollowed: {
            to: next.href,
            reason: 'follow-redirects is none; probe the final URL, or opt in with same-origin',
          },
        };
      }
      if (probe.followRedirects === 'same-origin' && !sameOrigin(next, probe.url)) {
        return {
          ...answer,
          unfollowed: {
            to: next.href,
            reason: `another origin than ${probe.redactor.text(probe.url.origin)} (follow-redirects is same-origin)`,
          },
        };
      }
      if (redirects.length >= probe.maxRedirects) {
        throw new ProbeError(
          'redirect',
          `more than ${probe.maxRedirects} redirects (last to ${probe.redactor.url(next.href)})`,
        );
      }
      next = withOriginCredentials(next, probe.url);
      redirects.push({ status: hop.status, from: url.href, to: next.href });
      // As browsers do: 303 always, and 301/302 after anything but GET/HEAD, continue with GET.
      if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method !== 'GET' && method !== 'HEAD')) {
        method = 'GET';
      }
      url = next;
    }
  } catch (error) {
    return { kind: 'error', error: classifyProbeError(error, probe.redactor, url), redirects, finalUrl: url.href };
  } finally {
    clearTimeout(timer);
  }
}
