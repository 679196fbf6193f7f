export { shellQuote, shellCommand } from './shell-quote.js';
export { fingerprintOf, keyTypeOf, describeKey, sameFingerprint } from './fingerprint.js';
export {
  knownHostsName,
  knownHostsLine,
  parseKnownHosts,
  checkKnownHosts,
  hostFieldMatches,
  type KnownHostsEntry,
  type KnownHostsVerdict,
} from './known-hosts.js';
export { hostKeyCheck, type HostKeyCheck, type HostKeyVerdict } from './host-key-policy.js';
export {
  HostKeyError,
  SshKeyError,
  SshAuthError,
  SshConnectError,
  SshConnectionLostError,
  RemoteCommandError,
  stderrTail,
} from './errors.js';
export { sshTargetsFrom, hostLabel, type SshTarget } from './target.js';
export { PRIVATE_KEY_SHAPE, type HostKeyPolicy, type HostTarget, type SshConnectRequest } from './request.js';
export {
  SshSession,
  type RunOptions,
  type ExecOptions,
  type RunResult,
  type ExecResult,
  type CommandInput,
} from './session.js';
export { connectAll, connectSsh, withSessions } from './connect.js';
