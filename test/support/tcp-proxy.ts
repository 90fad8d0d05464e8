import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './child-service.ts';

/**
 * A TCP proxy of our own in front of a shared service (the schema registry), so a test can take the
 * service away from its clients without touching the service other tests share: `cut()` closes every
 * proxied connection and stops listening (clients get ECONNREFUSED, as from a stopped process);
 * `restore()` listens again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted since the start (a cut one counts too). */
  readonly accepted: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /**
   * A network partition: connections stay open and new ones are accepted, but no byte passes either way
   * (no RST, no FIN), so a client only notices by its own timeouts. What was sent meanwhile waits in the
   * socket buffers and flows on `heal()`, as TCP's retransmissions would deliver it.
   */
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamHost: string, upstreamPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let accepted = 0;
  let holding = false;
  const held: Array<() => void> = [];
  const onConnection = (client: Socket) => {
    accepted++;
    if (holding) {
      client.pause();
      held.push(() => {
        if (!client.destroyed) forward(client);
      });
      sockets.add(client);
      client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
      return;
    }
    forward(client);
  };
  const pairs = new Set<[Socket, Socket]>();
  const forward = (client: Socket) => {
    const upstream = connect(upstreamPort, upstreamHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };
  let server: Server | undefined;
  const listen = async () => {
    server = createServer(onConnection);
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(port, '127.0.0.1', resolve));
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await listen();
  return {
    port,
    get accepted() {
      return accepted;
    },
    cut: stop,
    restore: async () => {
      if (!server) await listen();
    },
    blackhole() {
      holding = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    heal() {
      holding = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const release of held.splice(0)) release();
    },
    close: stop,
  };
}
