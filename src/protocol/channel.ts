// Serialised sending on a ZeroMQ socket: zeromq.js v6 allows one pending send per socket at a time, and
// concurrent sends throw EBUSY, so every send goes through this queue.
import type * as zmq from 'zeromq';

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Router | zmq.Dealer | zmq.Push) {}

  /** Queues a multipart message; resolves once ZeroMQ has taken it. */
  send(frames: Buffer[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
