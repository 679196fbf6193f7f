import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TestProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** `host:port` of every CONNECT tunnel and every absolute-form request, in order. */
  seen: string[];
  stop(): Promise<void>;
}

/**
 * A tiny HTTP proxy: CONNECT tunnels (what @actions/http-client uses, for http:// and https://
 * targets alike) and absolute-form forwarding. `hosts` maps names to addresses, so a test can name
 * a target that does not resolve on this machine: only a request through the proxy can reach it.
 */
export async function startProxy(hosts: Record<string, string> = {}): Promise<TestProxy> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const resolveHost = (host: string): string => hosts[host] ?? host;
  const server = http.createServer((request, response) => {
    const target = new URL(request.url ?? '/');
    seen.push(target.host);
    const upstream = http.request(
      {
        host: resolveHost(target.hostname),
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: request.method,
        headers: request.headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      response.writeHead(502);
      response.end();
    });
    request.pipe(upstream);
  });
  server.on('connection', track);
  server.on('connect', (request, client, head) => {
    const [host, port] = (request.url ?? '').split(':');
    seen.push(request.url ?? '');
    const upstream = net.connect(Number(port), resolveHost(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
