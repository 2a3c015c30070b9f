/**
 * The features operator's per-key state, held in the operator (Apex keeps operator state in the operator
 * object and checkpoints it whole). A checkpoint serializes every key; keys untouched since the previous
 * checkpoint reuse their cached JSON, so checkpointing every window (EXACTLY_ONCE) costs the changed keys plus
 * one string join, not a full re-serialization.
 */
export class KeyedState<S> {
  private readonly states = new Map<string, S>();
  /** key → `"key":<state JSON>`, for keys not changed since it was made. */
  private readonly entries = new Map<string, string>();

  get(key: string): S | undefined {
    return this.states.get(key);
  }

  set(key: string, state: S): void {
    this.states.set(key, state);
    this.entries.delete(key);
  }

  get size(): number {
    return this.states.size;
  }

  /** The whole state as one JSON object. */
  serialize(): string {
    const parts: string[] = [];
    for (const [key, state] of this.states) {
      let entry = this.entries.get(key);
      if (entry === undefined) {
        entry = `${JSON.stringify(key)}:${JSON.stringify(state)}`;
        this.entries.set(key, entry);
      }
      parts.push(entry);
    }
    return `{${parts.join(',')}}`;
  }

  static restore<S>(json: string | null | undefined): KeyedState<S> {
    const out = new KeyedState<S>();
    if (!json) return out;
    for (const [key, state] of Object.entries(JSON.parse(json) as Record<string, S>)) out.set(key, state);
    return out;
  }
}
