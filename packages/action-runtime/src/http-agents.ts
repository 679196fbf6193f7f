import type http from 'node:http';
import { HttpClient } from '@actions/http-client';

/**
 * HTTP agents that honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lower-case forms too) exactly as
 * the toolkit's HTTP client (@actions/http-client) does for every other action, loopback never
 * proxied: self-hosted runners behind a proxy need nothing more. Shape: (url, insecureTls) -> a
 * non-keep-alive agent for that URL; with insecureTls, any certificate is accepted. One client per
 * scheme, because the client caches a single direct agent whatever the scheme.
 */
export function toolkitAgents(): (url: URL, insecureTls: boolean) => http.Agent {
  const clients = new Map<string, HttpClient>();
  return (url, insecureTls) => {
    const key = `${url.protocol}${insecureTls}`;
    let client = clients.get(key);
    if (!client) {
      client = new HttpClient('sophia-deploy-actions', [], { keepAlive: false, ignoreSslError: insecureTls });
      clients.set(key, client);
    }
    return client.getAgent(url.href);
  };
}
