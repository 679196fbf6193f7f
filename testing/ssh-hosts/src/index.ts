export {
  fleetNginxCommand,
  startSshHost,
  type LocalSshHost,
  type LocalSshHostOptions,
  type SwitchHold,
} from './ssh-host.js';
export { startFleet, type LocalFleet } from './fleet.js';
export { startLinkProxy, type LinkProxy, type LinkProxyOptions } from './link-proxy.js';
export { INSTALL_COMMAND } from './requirements.js';
export { startDeployUserHost, type DeployUserHost } from './deploy-user-host.js';
export * from './system-packages.js';
