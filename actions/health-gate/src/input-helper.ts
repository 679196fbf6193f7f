import { actionInputs } from '@sophia/action-runtime';
import {
  bodyMatcher,
  boolean,
  duration,
  githubLogin,
  headers,
  httpUrl,
  InputError,
  integer,
  jsonCheck,
  headerToken,
  listOf,
  maskHeaderValues,
  matching,
  maskUrlSecrets,
  oneOf,
  statusRanges,
  type InputReader,
} from '@sophia/inputs';
import type { HealthCheckSettings, RedirectPolicy } from '@sophia/health-check';

/**
 * The methods the `method` input accepts: the RFC 9110 methods a health probe can meaningfully send (no CONNECT or
 * TRACE).
 */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** One of HTTP_METHODS, upper case as sent on the wire. */
export type HttpMethod = (typeof HTTP_METHODS)[number];
const REDIRECT_POLICIES: readonly RedirectPolicy[] = ['none', 'same-origin', 'any'];

/** The alert issue kept about the check (inputs `alert-issue`, `alert-label`, `alert-*`, `github-token`). */
export interface AlertSettings {
  key: string;
  label: string;
  reminderMs: number;
  /** An alert issue closed less than this long ago is reopened rather than a new one opened (0: never). */
  reopenWindowMs: number;
  /** Healthy checks in a row that close the open alert issue. */
  closeAfter: number;
  /** The login the token writes as: only its issues and comments count as the alert's. */
  author: string;
  token: string;
}

/** The probe engine's settings as the inputs give them, plus what the action does with the verdict. */
export interface HealthGateSettings extends Omit<
  HealthCheckSettings,
  'method' | 'onRound' | 'maxRedirects' | 'followRedirects' | 'agents'
> {
  method: HttpMethod;
  followRedirects: RedirectPolicy;
  failOnUnhealthy: boolean;
  /** Absent when `alert-issue` is empty. */
  alert?: AlertSettings;
}

/** Reads every input in action.yml order, so the first missing or bad one is the one reported. */
export function getInputs(reader = actionInputs()): HealthGateSettings {
  // Before anything is parsed, so that no error can quote a credential.
  maskUrlSecrets(reader.raw('urls'), reader.runner.mask);
  maskHeaderValues(reader.raw('headers'), reader.runner.mask);
  const settings: HealthGateSettings = {
    urls: reader.required('urls', listOf(httpUrl, 'newline')),
    expectedStatus: reader.required('expected-status', statusRanges),
    expectedBody: reader.optional('expected-body', bodyMatcher),
    expectedJson: reader.optional('expected-json', jsonCheck),
    method: reader.required('method', oneOf(HTTP_METHODS)),
    headers: reader.optional('headers', headers) ?? [],
    followRedirects: reader.required('follow-redirects', oneOf(REDIRECT_POLICIES)),
    intervalMs: reader.required('interval', duration({ minMs: 10, maxMs: 3_600_000 })),
    requestTimeoutMs: reader.required('request-timeout', duration({ minMs: 10, maxMs: 600_000 })),
    timeoutMs: reader.required('timeout', duration({ minMs: 10 })),
    initialDelayMs: reader.required('initial-delay', duration({ maxMs: 3_600_000 })),
    successThreshold: reader.required('success-threshold', integer(1, 100)),
    failureThreshold: reader.required('failure-threshold', integer(1, 100)),
    insecureTls: reader.required('insecure-tls', boolean),
    failOnUnhealthy: reader.required('fail-on-unhealthy', boolean),
    alert: alertSettings(reader),
  };
  // A HEAD answer has no body, so the gate could never pass: say so now rather than after the timeout.
  for (const [name, given] of [
    ['expected-body', settings.expectedBody],
    ['expected-json', settings.expectedJson],
  ] as const) {
    if (settings.method === 'HEAD' && given) {
      throw new InputError(name, `Input "${name}" cannot be checked with method HEAD (its answers have no body)`);
    }
  }
  return settings;
}

const ALERT_KEY = matching(
  /^[A-Za-z0-9][A-Za-z0-9._]*(-[A-Za-z0-9._]+)*$/,
  'letters, digits, ".", "_" and single "-", starting with a letter or digit',
);

function alertSettings(reader: InputReader): AlertSettings | undefined {
  const key = reader.optional('alert-issue', ALERT_KEY);
  const label = reader.required('alert-label');
  const reminderMs = reader.required('alert-reminder', duration({ minMs: 0, maxMs: 30 * 24 * 3_600_000 }));
  const reopenWindowMs = reader.required('alert-reopen-window', duration({ minMs: 0, maxMs: 30 * 24 * 3_600_000 }));
  const closeAfter = reader.required('alert-close-after', integer(1, 100));
  const author = reader.required('alert-author', githubLogin);
  const token = reader.secret('github-token', { required: false });
  if (!key) return undefined;
  if (!token) {
    throw new InputError(
      'github-token',
      'Input "github-token" is required with "alert-issue" (a token with issues: write)',
    );
  }
  return {
    key,
    label: label.trim(),
    reminderMs,
    reopenWindowMs,
    closeAfter,
    author,
    token: headerToken('github-token', token),
  };
}
