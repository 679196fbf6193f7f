import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startServer, type TestServer } from './index.js';

/** Answers 200 and then sends body chunks every few milliseconds, never ending the body. */
export function endlessBodyServer(): Promise<TestServer> {
  return startServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = 'x'.repeat(16 * 1024);
    const timer = setInterval(() => response.write(chunk), 2);
    response.on('close', () => clearInterval(timer));
  });
}

/** Answers with the request's credential alone (the part after `Bearer `), as a debugging endpoint might. */
export function echoingServer(status = 503): Promise<TestServer> {
  return startServer((request, response) => {
    const credential = (request.headers.authorization ?? '').replace(/^\S+\s+/, '');
    response.writeHead(status, { 'content-type': 'text/plain', location: `/login?token=${credential}` });
    response.end(`unauthorised token ${credential}; try again`);
  });
}

/** Answers 200 with a body that makes backtracking regex engines take exponential time on `/^(a+)+$/`. */
export function pathologicalBodyServer(): Promise<TestServer> {
  return startServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(`${'a'.repeat(41)}!`);
  });
}

export interface RawServer {
  /** `http://127.0.0.1:<port>/health` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A raw TCP server for what a real HTTP server library would refuse to do. `onConnection` gets each
 * socket; every socket is destroyed on stop.
 */
export async function rawServer(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/health`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends a 200 status line and then its headers one byte every `byteEveryMs`, never reaching the body. */
export function trickledHeadersServer(byteEveryMs = 50): Promise<RawServer> {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${'X-Padding: trickle\r\n'.repeat(1000)}\r\nok`;
  return rawServer((socket) => {
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= head.length) return clearInterval(timer);
      socket.write(head[sent]);
      sent += 1;
    }, byteEveryMs);
    socket.on('close', () => clearInterval(timer));
  });
}

/** Accepts connections and never says a word: a hung API server, for clients that must be cancelled. */
export function silentServer(): Promise<RawServer> {
  return rawServer(() => undefined);
}
