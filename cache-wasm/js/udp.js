// Node-only UDP sender for StatsD pushes; only the Node entries import it, never browsers or workerd.
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";

/**
 * A sender of datagrams to `host:port`. `send(datagrams)` resolves once every datagram is
 * handed to the kernel and rejects on a socket error; `close()` releases the socket. The
 * socket is created on first use and keeps the process alive only while a send is under way.
 */
export function udpSender(host, port) {
  let socket = null;
  let failure = null;
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
          await new Promise((resolve, reject) => {
            s.send(d, port, host, (err) => (err ? reject(err) : resolve()));
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
        socket.close();
        socket = null;
      }
    },
  };
}
