import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { startLinkProxy, type LinkProxy } from '@sophia-testing/ssh-hosts';

let echo: Server;
let echoPort: number;
let receivedByServer = 0;
const serverSockets = new Set<Socket>();
let proxy: LinkProxy | undefined;

beforeAll(async () => {
  echo = createServer((socket) => {
    serverSockets.add(socket);
    socket.on('data', (chunk) => {
      receivedByServer += chunk.length;
      socket.write(chunk);
    });
    socket.on('error', () => {});
    socket.on('close', () => serverSockets.delete(socket));
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as { port: number }).port;
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
  receivedByServer = 0;
});

afterAll(async () => {
  for (const socket of serverSockets) socket.destroy();
  await new Promise((resolve) => echo.close(resolve));
});

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  return socket;
}

/** Sends `bytes` and resolves with how long until they all came back. */
async function echoRoundTrip(socket: Socket, bytes: number): Promise<number> {
  const started = performance.now();
  let received = 0;
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received >= bytes) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  socket.write(Buffer.alloc(bytes, 7));
  await done;
  return performance.now() - started;
}

test('adds the latency each way: a round trip takes twice latencyMs', async () => {
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort, latencyMs: 100 });
  const socket = await open(proxy.port);
  const rtts = [];
  for (let i = 0; i < 3; i++) rtts.push(await echoRoundTrip(socket, 10));
  for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(199);
  // Timers run late on a loaded machine, never early: the best sample shows the added delay, and it is
  // well below a latency applied twice per direction (400 ms).
  expect(Math.min(...rtts)).toBeLessThan(300);
  expect(proxy.bytesUpstream).toBe(30);
  expect(proxy.bytesDownstream).toBe(30);
  socket.destroy();
});

test('caps bandwidth per direction', async () => {
  // 1 MB at 16 Mbit/s is 0.5 s each way; the echo overlaps both directions, so about 0.5 s in all.
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort, bandwidthBitsPerSecond: 16_000_000 });
  const socket = await open(proxy.port);
  const elapsed = await echoRoundTrip(socket, 1_000_000);
  expect(elapsed).toBeGreaterThanOrEqual(480);
  expect(elapsed).toBeLessThan(900);
  expect(proxy.bytesUpstream).toBe(1_000_000);
  expect(proxy.bytesDownstream).toBe(1_000_000);
  socket.destroy();

  const unshaped = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort });
  const fast = await open(unshaped.port);
  expect(await echoRoundTrip(fast, 1_000_000)).toBeLessThan(300);
  fast.destroy();
  await unshaped.stop();
});

test('cuts every connection after exactly N upstream bytes, once, and counts connections', async () => {
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort, cutAfterBytes: 10_000 });
  const first = await open(proxy.port);
  const second = await open(proxy.port);
  const closed = Promise.all([once(first, 'close'), once(second, 'close')]);
  first.on('error', () => {});
  second.on('error', () => {});
  first.write(Buffer.alloc(6000));
  second.write(Buffer.alloc(50_000));
  await closed;
  expect(proxy.bytesUpstream).toBe(10_000);
  expect(receivedByServer).toBe(10_000);
  expect(proxy.cuts).toBe(1);
  expect(proxy.connections).toBe(2);
  expect(proxy.activeConnections).toBe(0);

  // The cut fired once: a new connection passes everything.
  const third = await open(proxy.port);
  await echoRoundTrip(third, 20_000);
  expect(proxy.connections).toBe(3);
  third.destroy();
});

test('cut() on demand, and cutAfter re-arms relative to now', async () => {
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort });
  const socket = await open(proxy.port);
  await echoRoundTrip(socket, 100);
  const closed = once(socket, 'close');
  proxy.cut();
  await closed;
  expect(proxy.cuts).toBe(1);

  proxy.cutAfter(500);
  const again = await open(proxy.port);
  again.on('error', () => {});
  const closedAgain = once(again, 'close');
  again.write(Buffer.alloc(2000));
  await closedAgain;
  expect(proxy.bytesUpstream).toBe(600);
  expect(proxy.cuts).toBe(2);
});

test('a half-close travels behind the data', async () => {
  proxy = await startLinkProxy({ targetHost: '127.0.0.1', targetPort: echoPort, latencyMs: 20 });
  const socket = await open(proxy.port);
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.end(Buffer.alloc(3000));
  await once(socket, 'close');
  expect(received).toBe(3000);
});
