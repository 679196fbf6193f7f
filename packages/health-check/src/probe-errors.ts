import type { Redactor } from './redaction.js';

/**
 * Probe errors are kept apart from wrong answers: a refused connection says "not listening yet",
 * a wrong status or body says "listening, but not the release we want".
 */
export type ProbeErrorKind = 'refused' | 'reset' | 'dns' | 'tls' | 'timeout' | 'redirect' | 'proxy' | 'other';

/**
 * The one error a probe fails with: a no-answer outcome (refused, timeout, TLS...) the report counts as an error rather
 * than a wrong answer. Never escapes the gate: it becomes a ProbeResult with verdict `error`.
 */
export class ProbeError extends Error {
  /**
   * @param kind what failed, for the report
   * @param message one line saying what happened and, where we can tell, what to change
   * @param permanent true when retrying cannot help (the URL itself is wrong), so the gate stops at once
   */
  constructor(
    readonly kind: ProbeErrorKind,
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/**
 * OpenSSL's complaints when the peer answers a TLS ClientHello in plain text: an http:// server
 * reached with https://. Node reports them as EPROTO with the OpenSSL reason in the message.
 */
const PLAIN_TEXT_PEER = /wrong version number|packet length too long|http request|unknown protocol/i;

const TLS_CODE =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/**
 * Codes for a certificate the runner does not trust (its issuer is unknown: self-signed, a private
 * CA), as Node reports them from OpenSSL's verify results.
 */
const UNTRUSTED_CERTIFICATE =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/;

/**
 * What a gate user can do about an untrusted certificate: both work in a workflow without touching
 * how the runner starts Node. Node 24 appends its own advice to these errors ("try running Node.js
 * with --use-system-ca"), a flag the runner gives no way to pass; NODE_EXTRA_CA_CERTS is read from
 * the step's environment when Node starts (https://nodejs.org/api/cli.html#node_extra_ca_certsfile).
 */
export const UNTRUSTED_CERTIFICATE_HINT =
  "trust its CA with the step's `env: NODE_EXTRA_CA_CERTS: <path of the CA's PEM file>`, or accept any certificate with input insecure-tls: true";

/** Advice Node appends to TLS errors, addressed to whoever starts Node (`; if the root CA is installed locally, try running Node.js with --use-system-ca`). */
const NODE_ADVICE = /;[^;]*\btry running Node\.js with\b.*$/s;

/**
 * How the toolkit's tunnelling agent (the `tunnel` package) reports a proxy that failed before the
 * tunnel opened: it could not be reached (`cause=<the socket error>`), or it answered CONNECT with
 * something other than 200 (`statusCode=<status>`).
 */
const TUNNEL_FAILED = /tunneling socket could not be established, (?:cause=(.*)|statusCode=(\d+))/;

/**
 * Sorts a socket or TLS error into a ProbeError kind with a one-line message (OpenSSL's text is cut
 * down to its reason). `url` is the URL being probed, to tell a scheme mistake from other TLS failures;
 * `proxy` names the proxy the request went through (see ProbeRoute), so that its failures name it:
 * kind `proxy` when the proxy itself failed, and any other error says it came through the proxy.
 * Text quoted from the error or the URL goes through `redactor` (redacted, then shortened): Node's
 * messages may carry the URL, and a server's TLS alert its own text.
 */
export function classifyProbeError(error: unknown, redactor: Redactor, url?: URL, proxy?: string): ProbeError {
  if (error instanceof ProbeError) return error;
  if (!proxy) return classifyDirect(error, redactor, url);
  const message = typeof (error as Error)?.message === 'string' ? (error as Error).message : String(error);
  const tunnel = TUNNEL_FAILED.exec(message);
  if (tunnel?.[2]) {
    return new ProbeError(
      'proxy',
      `${proxy} refused to open a tunnel to ${redactor.text(url?.host ?? 'the URL')}: it answered ${tunnel[2]} to CONNECT`,
    );
  }
  if (tunnel?.[1] !== undefined) {
    const cause = tunnel[1];
    const code = /\b(E[A-Z_]{3,})\b/.exec(cause)?.[1];
    return new ProbeError('proxy', `${proxy} failed: ${classifyDirect({ code, message: cause }, redactor).message}`);
  }
  const direct = classifyDirect(error, redactor, url);
  return new ProbeError(direct.kind, `${direct.message} (through ${proxy})`, direct.permanent);
}

function classifyDirect(error: unknown, redactor: Redactor, url?: URL): ProbeError {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  // Errors from node's own modules may come from another realm (e.g. under a test VM), so no instanceof Error.
  const message = typeof (error as Error)?.message === 'string' ? (error as Error).message : String(error);
  if (code === 'ECONNREFUSED') return new ProbeError('refused', `connection refused (${code})`);
  if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'].includes(code) || /socket hang up/.test(message)) {
    return new ProbeError('reset', `connection reset (${code || message})`);
  }
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'].includes(code)) {
    return new ProbeError('dns', `name not resolved (${code})`);
  }
  if (url?.protocol === 'https:' && PLAIN_TEXT_PEER.test(message)) {
    return new ProbeError(
      'tls',
      `TLS handshake failed: ${redactor.text(url.host)} answered in plain text, not TLS; the URL's scheme looks wrong (try ${redactor.url(`http://${url.host}${url.pathname}`)})`,
      true,
    );
  }
  if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(message)) {
    // OpenSSL's messages carry a source path and error number ("...:error:0A000086:SSL routines:...:reason:../ssl.c:2091:"): keep the reason.
    const said = message.replace(NODE_ADVICE, '');
    const reason = redactor.text(/:([^:]+):[^:]*\.c:\d+:?$/.exec(said)?.[1] ?? said);
    const hint = UNTRUSTED_CERTIFICATE.test(code) ? `: ${UNTRUSTED_CERTIFICATE_HINT}` : '';
    return new ProbeError(
      'tls',
      `TLS handshake failed: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}${hint}`,
    );
  }
  if (['ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(code)) return new ProbeError('timeout', `timed out (${code})`);
  // Node's messages may carry the URL or host, which can be as long as the user made them.
  const said = redactor.text(message);
  return new ProbeError('other', code && !message.includes(code) ? `${said} (${code})` : said);
}
