/**
 * Coalesces small control messages per peer: everything queued for a peer during one turn of the event loop
 * goes out as one frame (`{ type: 'batch', items }`). Acks are tiny and numerous (one per tuple per hop); one
 * write per message would spend the CPU on syscalls and proxy hops instead of on the protocol.
 */
import type { ControlMessage } from './worker-host.ts';

export interface Outbox {
  push(peer: string, message: ControlMessage): void;
  /** Sends everything queued now. */
  flush(): void;
}

export function createOutbox(send: (peer: string, batch: ControlMessage) => void): Outbox {
  let queued = new Map<string, ControlMessage[]>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batches = queued;
    queued = new Map();
    for (const [peer, items] of batches)
      send(peer, items.length === 1 ? items[0]! : { type: 'batch', items });
  };
  return {
    push(peer, message) {
      const list = queued.get(peer);
      if (list) list.push(message);
      else queued.set(peer, [message]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** The messages of a control frame: the items of a batch, or the message itself. */
export function unbatch(message: ControlMessage): ControlMessage[] {
  return message.type === 'batch' ? (message.items as ControlMessage[]) : [message];
}
