/**
 * Shares one host read among concurrent callers. A value is reused while it is younger than maxAgeMs
 * and no write has happened since it was started; a write (invalidate) forces the next caller to read anew,
 * so a resource always re-reads its own effects.
 */
export class SnapshotCache<T> {
  private generation = 0;
  private current?: { gen: number; started: number; value: Promise<T> };
  private inflight?: Promise<T>;
  private queued?: Promise<T>;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const c = this.current;
    if (c && c.gen === this.generation && this.now() - c.started <= this.maxAgeMs) return c.value;
    const entry = { gen: this.generation, started: this.now(), value: this.load() };
    this.current = entry;
    this.inflight = entry.value;
    entry.value.then(
      () => this.inflight === entry.value && (this.inflight = undefined),
      () => this.inflight === entry.value && (this.inflight = undefined),
    );
    // A failed read is not cached.
    entry.value.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    return entry.value;
  }

  /**
   * A value read after this call was made: what a create/update/delete must act on. Callers arriving while a
   * read is in flight share the one queued behind it, so a burst of writers costs at most two reads.
   */
  getFresh(): Promise<T> {
    if (this.queued) return this.queued;
    if (this.inflight) {
      const q: Promise<T> = this.inflight
        .catch(() => undefined)
        .then(() => {
          if (this.queued === q) this.queued = undefined;
          this.invalidate();
          return this.get();
        });
      this.queued = q;
      return q;
    }
    this.invalidate();
    return this.get();
  }

  /** Forget the cached value: called before and after every write. */
  invalidate(): void {
    this.generation++;
    this.current = undefined;
  }
}
