/** Refusing a request whose body is still arriving, without losing the refusal on the way. */
import type { IncomingMessage } from 'node:http';

const LINGER_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 2000;

/**
 * Reads and drops what the client still sends, up to 8 MB or 2 s, then closes. Closing a socket
 * with unread data in it resets the connection, and a reset makes the client's kernel drop the
 * answer it had already received: a client still writing would see EPIPE instead of the 413.
 * (Do not also set `connection: close`: Node then destroys the socket as soon as the answer is
 * written, which is that reset.)
 */
export function lingerThenClose(req: IncomingMessage): void {
  let seen = 0;
  const stop = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(stop, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.resume();
}
