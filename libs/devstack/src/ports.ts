import net from 'node:net';

/**
 * A port free on `host` right now, found by binding port 0 and closing again. Whoever binds it
 * next may lose a race with another process; callers that must keep a port across restarts store it.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
