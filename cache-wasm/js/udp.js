// Node-only UDP sender for StatsD pushes; only the Node entries import it, never browsers or workerd.
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";

/**
 * A sender of datagrams to `host:port`. `send(datagrams)` resolves once every datagram is
 * handed to the kernel and rejects on a socket error; `close()` releases the socket, and a send
 * still under way then rejects. The socket is created on first use and keeps the process alive
 * only while a send is under way.
 */
export function udpSender(host, port) {
  let socket = null;
  let failure = null;
  // The reject functions of the datagrams being sent: close() settles them, as a closed socket
  // never calls back (a name still being looked up is dropped silently).
  const pending = new Set();
  const closedError = () => new Error("the UDP socket was closed");
  const open = () => {
    if (socket === null) {
      socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
      socket.on("error", (err) => {
        failure = err;
      });
      socket.unref();
    }
    return socket;
  };
  return {
    async send(datagrams) {
      const s = open();
      // Referenced while sending, so that a caller awaiting the send sees it through.
      s.ref();
      try {
        for (const d of datagrams) {
          if (socket !== s) throw closedError();
          await new Promise((resolve, reject) => {
            pending.add(reject);
            const done = (err) => {
              pending.delete(reject);
              if (err) reject(err);
              else resolve();
            };
            try {
              s.send(d, port, host, done);
            } catch (err) {
              done(err);
            }
          });
        }
      } finally {
        if (socket === s) s.unref();
      }
      if (failure !== null) {
        const err = failure;
        failure = null;
        throw err;
      }
    },
    close() {
      if (socket !== null) {
        const s = socket;
        socket = null;
        const rejects = [...pending];
        pending.clear();
        for (const reject of rejects) reject(closedError());
        s.close();
      }
    },
  };
}
