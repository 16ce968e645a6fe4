/**
 * Shares one host read among concurrent callers. A value is reused while it is younger than maxAgeMs
 * and no write has happened since it was started; a write (invalidate) forces the next caller to read anew,
 * so a resource always re-reads its own effects.
 */
export class SnapshotCache<T> {
  private generation = 0;
  private current?: { gen: number; started: number; value: Promise<T> };

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
    // A failed read is not cached.
    entry.value.catch(() => {
      if (this.current === entry) this.current = undefined;
    });
    return entry.value;
  }

  /** Forget the cached value: called before and after every write. */
  invalidate(): void {
    this.generation++;
    this.current = undefined;
  }
}
