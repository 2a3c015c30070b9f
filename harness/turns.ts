/**
 * One thing at a time for several parties that take turns: when the slot frees it goes to the next party, in
 * their fixed order, after the one that had it last, among those waiting. An interleaved bench runs every entry's
 * search at once this way, so that each entry's runs alternate with the others' and a change of the host (a
 * neighbour's load for an hour) reaches every entry alike instead of the few measured while it lasted.
 */
export class Turns {
  private busy = false;
  /** Index of the party that had the slot last. */
  private last = -1;
  private readonly waiting = new Map<number, () => void>();

  constructor(private readonly parties: number) {}

  /** Runs `fn` when it is `party`'s turn (at once when the slot is free and nobody waits). */
  async run<T>(party: number, fn: () => Promise<T>): Promise<T> {
    if (!Number.isInteger(party) || party < 0 || party >= this.parties)
      throw new RangeError(`party ${party} is not one of 0..${this.parties - 1}`);
    if (this.waiting.has(party)) throw new Error(`party ${party} is already waiting for its turn`);
    if (this.busy || this.waiting.size > 0) {
      await new Promise<void>((resolve) => this.waiting.set(party, resolve));
    } else {
      this.take(party);
    }
    try {
      return await fn();
    } finally {
      this.pass();
    }
  }

  private take(party: number): void {
    this.busy = true;
    this.last = party;
  }

  private pass(): void {
    this.busy = false;
    for (let k = 1; k <= this.parties; k++) {
      const next = (this.last + k) % this.parties;
      const wake = this.waiting.get(next);
      if (wake) {
        this.waiting.delete(next);
        this.take(next);
        wake();
        return;
      }
    }
  }
}
