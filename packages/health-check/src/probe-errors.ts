/**
 * Probe errors are kept apart from wrong answers: a refused connection says "not listening yet",
 * a wrong status or body says "listening, but not the release we want".
 */
export type ProbeErrorKind = 'refused' | 'reset' | 'dns' | 'tls' | 'timeout' | 'redirect' | 'other';

export class ProbeError extends Error {
  constructor(
    readonly kind: ProbeErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

const TLS_CODE =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/;

export function classifyProbeError(error: unknown): ProbeError {
  if (error instanceof ProbeError) return error;
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
  if (TLS_CODE.test(code) || /certificate|SSL|TLS/i.test(message)) {
    return new ProbeError('tls', `TLS failed: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`);
  }
  if (['ETIMEDOUT', 'ESOCKETTIMEDOUT'].includes(code)) return new ProbeError('timeout', `timed out (${code})`);
  return new ProbeError('other', code && !message.includes(code) ? `${message} (${code})` : message);
}
