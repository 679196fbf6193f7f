import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Added to each direction, so a round trip takes twice this. */
  latencyMs?: number;
  /** Capacity of each direction of the link (like a symmetric line). */
  bandwidthBitsPerSecond?: number;
  /** Cuts every open connection once this many client-to-server bytes have passed (counted from arming). */
  cutAfterBytes?: number;
}

export interface LinkProxy {
  host: '127.0.0.1';
  port: number;
  /** Client-to-server bytes forwarded so far. */
  readonly bytesUpstream: number;
  /** Server-to-client bytes forwarded so far. */
  readonly bytesDownstream: number;
  /** Connections accepted so far. */
  readonly connections: number;
  readonly activeConnections: number;
  /** How many times connections were cut. */
  readonly cuts: number;
  /** Cuts every open connection now; later connections pass normally. */
  cut(): void;
  /** Drops everything from now on without closing anything, like a link that silently died; cut() ends it. */
  stall(): void;
  /**
   * Like stall(), for the connections open now only: connections made later pass normally, as a
   * client that reconnects over a new route would (a step that lost its link, and the next step).
   */
  stallOpen(): void;
  /** Arms (or with undefined disarms) a cut after this many more upstream bytes; it fires once. */
  cutAfter(bytes: number | undefined): void;
  stop(): Promise<void>;
}

interface Scheduled {
  chunk: Buffer;
  deliverAt: number;
  thenCut: boolean;
}

/**
 * One direction of the link: a chunk occupies the line for size/bandwidth, then travels for the latency.
 * Arrival times follow a virtual clock, so timer jitter does not change the throughput.
 */
class Lane {
  private lineFreeAt = 0;
  private queuedBytes = 0;
  private readonly queue: Scheduled[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  private readonly highWater: number;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly latencyMs: number,
    private readonly bitsPerSecond: number | undefined,
    private readonly onCut: () => void,
  ) {
    // Like a socket buffer: enough to keep the line full for a round trip, so pausing never throttles below the cap.
    const bandwidthDelay = bitsPerSecond ? (bitsPerSecond / 8) * ((latencyMs * 2) / 1000) : 0;
    this.highWater = 1024 * 1024 + bandwidthDelay;
  }

  push(chunk: Buffer, thenCut = false): void {
    const now = performance.now();
    const transmitMs = this.bitsPerSecond ? (chunk.length * 8 * 1000) / this.bitsPerSecond : 0;
    this.lineFreeAt = Math.max(now, this.lineFreeAt) + transmitMs;
    const deliverAt = this.lineFreeAt + this.latencyMs;
    if (deliverAt <= now && this.queue.length === 0) {
      this.deliver({ chunk, deliverAt, thenCut });
      return;
    }
    this.queue.push({ chunk, deliverAt, thenCut });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > this.highWater) this.from.pause();
    this.schedule();
  }

  /** Ends the far side once everything already sent has arrived (a FIN travels the link too). */
  end(): void {
    this.ending = true;
    if (this.queue.length === 0) this.to.end();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }

  private deliver(item: Scheduled): void {
    if (!this.to.destroyed) this.to.write(item.chunk);
    if (item.thenCut) this.onCut();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0].deliverAt - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].deliverAt <= now + 0.5) {
      const item = this.queue.shift()!;
      this.queuedBytes -= item.chunk.length;
      this.deliver(item);
    }
    if (this.queuedBytes <= this.highWater / 2 && this.from.isPaused()) this.from.resume();
    if (this.queue.length === 0 && this.ending) this.to.end();
    this.schedule();
  }
}

/** A TCP proxy on 127.0.0.1 that behaves like a slower, farther, breakable link to one server. */
export async function startLinkProxy(options: LinkProxyOptions): Promise<LinkProxy> {
  const latencyMs = options.latencyMs ?? 0;
  const open = new Set<{ client: Socket; server: Socket; lanes: Lane[]; stalled: boolean }>();
  let bytesUpstream = 0;
  let bytesDownstream = 0;
  let connections = 0;
  let cuts = 0;
  let cutAt: number | undefined = options.cutAfterBytes;
  let cutting = false;
  let stalled = false;

  const cut = () => {
    cutting = false;
    stalled = false;
    cuts += 1;
    for (const connection of [...open]) {
      for (const lane of connection.lanes) lane.stop();
      connection.client.destroy();
      connection.server.destroy();
      open.delete(connection);
    }
  };

  const server: Server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (client) => {
    connections += 1;
    // Half-open on both sides: a FIN from one end must travel the link (behind the data) before the other sees it.
    const upstream = connect({ port: options.targetPort, host: options.targetHost, allowHalfOpen: true });
    // Latency is ours to add; Nagle's algorithm would add its own on top of it.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const up = new Lane(client, upstream, latencyMs, options.bandwidthBitsPerSecond, cut);
    const down = new Lane(upstream, client, latencyMs, options.bandwidthBitsPerSecond, cut);
    const connection = { client, server: upstream, lanes: [up, down], stalled: false };
    open.add(connection);
    const close = () => {
      if (!open.delete(connection)) return;
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
    };

    client.on('data', (chunk: Buffer) => {
      if (cutting || stalled || connection.stalled) return; // the link is going down: nothing more gets through
      let thenCut = false;
      if (cutAt !== undefined && bytesUpstream + chunk.length >= cutAt) {
        chunk = chunk.subarray(0, cutAt - bytesUpstream);
        cutAt = undefined;
        cutting = true;
        thenCut = true;
      }
      bytesUpstream += chunk.length;
      up.push(chunk, thenCut);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutting || stalled || connection.stalled) return;
      bytesDownstream += chunk.length;
      down.push(chunk);
    });
    // A side that sent its FIN closes cleanly once the lanes have carried everything; a side that vanished
    // without one (reset, destroy) takes the whole connection down, as a broken link would.
    let clientEnded = false;
    let upstreamEnded = false;
    client.on('end', () => {
      clientEnded = true;
      up.end();
    });
    upstream.on('end', () => {
      upstreamEnded = true;
      down.end();
    });
    const onClose = (ended: () => boolean) => () => {
      if (!ended()) close();
      else if (client.destroyed && upstream.destroyed) open.delete(connection);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on(
      'close',
      onClose(() => clientEnded),
    );
    upstream.on(
      'close',
      onClose(() => upstreamEnded),
    );
    upstream.once('connect', () => client.resume());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the link proxy has no address');

  return {
    host: '127.0.0.1',
    port: address.port,
    get bytesUpstream() {
      return bytesUpstream;
    },
    get bytesDownstream() {
      return bytesDownstream;
    },
    get connections() {
      return connections;
    },
    get activeConnections() {
      return open.size;
    },
    get cuts() {
      return cuts;
    },
    cut,
    stall() {
      stalled = true;
    },
    stallOpen() {
      for (const connection of open) connection.stalled = true;
    },
    cutAfter(bytes) {
      cutAt = bytes === undefined ? undefined : bytesUpstream + bytes;
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const connection of [...open]) {
        for (const lane of connection.lanes) lane.stop();
        connection.client.destroy();
        connection.server.destroy();
      }
      open.clear();
      await closed;
    },
  };
}
