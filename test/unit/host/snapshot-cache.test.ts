import { SnapshotCache } from "../../../provider/host/snapshot/snapshot-cache";

/** A loader whose reads the test finishes by hand, counting them. */
function manualLoader() {
  const pending: Array<(v: number) => void> = [];
  let n = 0;
  return {
    load: () => new Promise<number>((resolve) => pending.push(() => resolve(++n))),
    finishAll: () => pending.splice(0).forEach((f) => f(0)),
    get loads() {
      return n + pending.length;
    },
  };
}
const tick = () => new Promise((r) => setImmediate(r));

describe("SnapshotCache", () => {
  test("concurrent readers share one read while it is young; a write forces the next read", async () => {
    let t = 0;
    let loads = 0;
    const c = new SnapshotCache(async () => ++loads, 1000, () => t);
    expect(await Promise.all([c.get(), c.get(), c.get()])).toEqual([1, 1, 1]);
    t = 999;
    expect(await c.get()).toBe(1);
    c.invalidate();
    expect(await c.get()).toBe(2);
    t = 3000; // too old
    expect(await c.get()).toBe(3);
  });

  test("getFresh never returns a read that started before it was called; a burst shares one queued read", async () => {
    const l = manualLoader();
    const c = new SnapshotCache(l.load, 60_000);
    const stale = c.get(); // in flight: started before the writers arrive
    const fresh = [c.getFresh(), c.getFresh(), c.getFresh()];
    l.finishAll(); // the stale read completes
    expect(await stale).toBe(1);
    await tick();
    l.finishAll(); // the one queued read completes
    expect(await Promise.all(fresh)).toEqual([2, 2, 2]);
    expect(l.loads).toBe(2);
    expect(await c.get()).toBe(2); // later readers share it
  });

  test("getFresh with nothing in flight reads anew even when a young value is cached", async () => {
    let loads = 0;
    const c = new SnapshotCache(async () => ++loads, 60_000);
    expect(await c.get()).toBe(1);
    expect(await c.getFresh()).toBe(2);
  });
});
