import { createServer, connect } from 'node:net';

/** A port the kernel just handed out on 127.0.0.1 (servers we cannot bind to port 0 themselves get one of these). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Resolves with the first bytes a TCP server sends on connect, or rejects if nothing listens. */
export function readBanner(port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no banner'));
    }, timeoutMs);
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Creates a server on a free port (or on `fixedPort`) and starts it; when the start fails because
 * another process took the port between the probe and the server's bind (its log says "Address
 * already in use"), tries another port, five times at most. A fixed port is never swapped.
 */
export async function startOnFreePort<Server>(
  create: (port: number) => Server,
  start: (server: Server) => Promise<void>,
  log: (server: Server) => Promise<string>,
  fixedPort?: number,
): Promise<Server> {
  for (let attempt = 1; ; attempt += 1) {
    const server = create(fixedPort ?? (await freePort()));
    try {
      await start(server);
      return server;
    } catch (error) {
      const taken = /Address already in use/.test(await log(server));
      if (!taken || fixedPort !== undefined || attempt >= 5) throw error;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
