/**
 * A TCP proxy on a free loopback port in front of a server (a database), for tests of what a
 * process does when that server stops answering: hold() keeps every connection open but
 * passes nothing either way (a server that hangs, a network that drops packets — the case no
 * client library notices by itself), release() lets the held bytes through.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** From now on nothing passes, on open connections or new ones; nothing is closed. */
  hold(): void;
  /** What was held passes, and what follows. */
  release(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = "127.0.0.1",
): Promise<TcpProxy> {
  let held = false;
  const sockets = new Set<Socket>();
  const pairs: Array<[Socket, Socket]> = [];
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    const upstream = createConnection(targetPort, targetHost);
    track(upstream);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    pairs.push([client, upstream]);
    if (held) {
      client.pause();
      upstream.pause();
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold() {
      held = true;
      for (const [a, b] of pairs) {
        a.pause();
        b.pause();
      }
    },
    release() {
      held = false;
      for (const [a, b] of pairs) {
        a.resume();
        b.resume();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
