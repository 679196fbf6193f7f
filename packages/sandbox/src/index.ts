export { startSshTarget, type SandboxTarget, type SshTargetOptions } from './ssh-target.js';
export { startLinkProxy, type LinkProxy, type LinkProxyOptions } from './link-proxy.js';
export { INSTALL_COMMAND } from './requirements.js';
