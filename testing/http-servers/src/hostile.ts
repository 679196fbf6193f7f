import type http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startServer, type TestServer } from './servers.js';

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

/** The encodings encodingEchoServer can echo a credential in, by name. */
export const ECHO_ENCODINGS: Record<string, (value: string) => string> = {
  raw: (value) => value,
  uri: (value) => encodeURIComponent(value),
  'uri-lower': (value) => encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
  form: (value) => new URLSearchParams({ v: value }).toString().slice(2),
  base64: (value) => Buffer.from(value).toString('base64'),
  'base64-in-json': (value) => Buffer.from(`{"seen":"${value}"}`).toString('base64'),
  base64url: (value) => Buffer.from(value).toString('base64url'),
  // As a server that decodes what it was sent before echoing it (a header value holding %2F).
  'percent-decoded': (value) => decodeURIComponent(value),
  'json-slash': (value) => JSON.stringify(value).slice(1, -1).replace(/\//g, '\\/'),
  'json-unicode': (value) =>
    [...value].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  // Raw, `\/`, `\u00XX` (upper- and lower-case hex) and a percent escape, in turn.
  'json-mixed': (value) =>
    [...value]
      .map(
        (char, index) =>
          [
            char,
            char === '/' ? '\\/' : char,
            `\\u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
            `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
          ][index % 4],
      )
      .join(''),
  // Wrapped every 4 characters, indented, as a pretty-printer or a MIME body does.
  wrapped: (value) => value.replace(/(.{4})(?=.)/g, '$1\n  '),
  // HTML-escaped: `&amp;`, and every other character as a decimal or hex character reference.
  html: (value) =>
    [...value]
      .map((char, index) =>
        char === '&'
          ? '&amp;'
          : [char, `&#${char.charCodeAt(0)};`, `&#x${char.charCodeAt(0).toString(16).toUpperCase()};`][index % 3],
      )
      .join(''),
  upper: (value) => value.toUpperCase(),
  hex: (value) => Buffer.from(value).toString('hex'),
  'hex-upper': (value) => Buffer.from(value).toString('hex').toUpperCase(),
};

/** The credentials a request carries, by name, as encodingEchoServer reads them. */
function requestCredentials(request: http.IncomingMessage): Record<string, string> {
  const authorization = request.headers.authorization ?? '';
  const basic = /^Basic (.+)$/.exec(authorization)?.[1];
  const pair = basic ? Buffer.from(basic, 'base64').toString('utf8') : '';
  const cookie = (request.headers.cookie ?? '').split(';')[0];
  return {
    authorization,
    credential: authorization.replace(/^\S+\s+/, ''),
    // From X-Auth when given, so that a test can send URL userinfo (Authorization) and a scheme together.
    param: /="?([^",]*)/.exec(String(request.headers['x-auth'] ?? authorization))?.[1] ?? '',
    cookie: cookie.slice(cookie.indexOf('=') + 1).trim(),
    'api-key': String(request.headers['x-api-key'] ?? ''),
    // The first query parameter's value, as the request carried it.
    query: new URL(request.url ?? '/', 'http://h').search.slice(1).split('&')[0].split('=').slice(1).join('='),
    pair,
    password: pair.slice(pair.indexOf(':') + 1),
  };
}

/**
 * A careless debug endpoint: `/echo/<encoding>/<credential>` answers `status` with `seen <the
 * credential in that encoding>` (see ECHO_ENCODINGS; credential is `authorization`, the `credential`
 * after its scheme, the value of its first auth-`param`, the first `cookie` value, the Basic `pair` and `password` (from URL userinfo
 * too), the `api-key` header or the first `query` value), and redirects to a location carrying the same encoded credential.
 */
export function encodingEchoServer(status = 200): Promise<TestServer> {
  return startServer((request, response) => {
    const [, , encoding = 'raw', which = 'credential'] = (request.url ?? '').split('?')[0].split('/');
    const encode = ECHO_ENCODINGS[encoding] ?? ECHO_ENCODINGS.raw;
    const echoed = encode(requestCredentials(request)[which] ?? '');
    // A location cannot hold a line break: those alone are percent-encoded there.
    const location = `/login?seen=${echoed.replace(/[\r\n]/g, encodeURIComponent)}`;
    response.writeHead(status, { 'content-type': 'text/plain', location });
    response.end(`seen ${echoed}`);
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
