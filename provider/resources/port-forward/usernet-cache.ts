import { SnapshotCache } from "../../host/snapshot/snapshot-cache";
import { listHostForwards, type Fwd } from "../../host/qemu/hostfwd";
import type { Host } from "../../host/host";

/** How long one `info usernet` answer may be shared by reads of the same VM (a refresh's reads arrive together). */
const MAX_AGE_MS = 250;

/**
 * One `info usernet` per VM shared by concurrent reads (a refresh reads every forward of a VM at once),
 * forgotten on any write through {@link UsernetReads.invalidate}, so a resource re-reads its own effects.
 */
export class UsernetReads {
  private readonly caches = new Map<string, SnapshotCache<Map<string, Fwd[]>>>();

  /** The forwards of every user-mode netdev of the VM behind `qmpSocket`. */
  get(host: Host, qmpSocket: string): Promise<Map<string, Fwd[]>> {
    const key = keyOf(host, qmpSocket);
    let c = this.caches.get(key);
    if (!c) {
      c = new SnapshotCache(() => host.withQmp(qmpSocket, listHostForwards), MAX_AGE_MS);
      this.caches.set(key, c);
    }
    return c.get();
  }

  /** Forget what was read from this VM (before and after writing to it). */
  invalidate(host: Host, qmpSocket: string): void {
    this.caches.get(keyOf(host, qmpSocket))?.invalidate();
  }
}

/** The same path on two machines is two sockets. */
function keyOf(host: Host, qmpSocket: string): string {
  return `${host.transport.id}\0${qmpSocket}`;
}
