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

export function createOutbox(
  send: (peer: string, batch: ControlMessage) => void,
  /**
   * Hold messages instead: a peer's queue goes out when it holds `maxItems`, the rest every `flushMs` (Storm's
   * producer batch size and flush interval). Default: everything at the end of the turn.
   */
  batching?: { maxItems: number; flushMs: number },
): Outbox {
  let queued = new Map<string, ControlMessage[]>();
  /** Cancels the scheduled flush; undefined when none is scheduled. */
  let cancel: (() => void) | undefined;
  const schedule = (): (() => void) => {
    if (batching) {
      const t = setTimeout(flush, batching.flushMs);
      return () => clearTimeout(t);
    }
    const i = setImmediate(flush);
    return () => clearImmediate(i);
  };
  const sendItems = (peer: string, items: ControlMessage[]) =>
    send(peer, items.length === 1 ? items[0]! : { type: 'batch', items });
  function flush() {
    cancel?.();
    cancel = undefined;
    const batches = queued;
    queued = new Map();
    for (const [peer, items] of batches) sendItems(peer, items);
  }
  return {
    push(peer, message) {
      const list = queued.get(peer);
      if (list) list.push(message);
      else queued.set(peer, [message]);
      if (batching && (list?.length ?? 1) >= batching.maxItems) {
        queued.delete(peer);
        sendItems(peer, list ?? [message]);
        return;
      }
      cancel ??= schedule();
    },
    flush,
  };
}

/** The messages of a control frame: the items of a batch, or the message itself. */
export function unbatch(message: ControlMessage): ControlMessage[] {
  return message.type === 'batch' ? (message.items as ControlMessage[]) : [message];
}
