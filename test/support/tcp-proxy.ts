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
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamHost: string, upstreamPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let accepted = 0;
  const onConnection = (client: Socket) => {
    accepted++;
    const upstream = connect(upstreamPort, upstreamHost);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
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
    close: stop,
  };
}
