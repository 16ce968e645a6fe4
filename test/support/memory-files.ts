import * as path from "node:path";
import type { HostFiles } from "../../provider/host/files/types";

/** In-memory HostFiles for unit tests: files and stat answers by path, a count of reads; no cross-process locking. */
export class MemoryFiles implements HostFiles {
  readonly files = new Map<string, string>();
  readonly stats = new Map<string, { mode: number; uid: number }>();
  reads = 0;

  constructor(initial: Record<string, string> = {}, modes: Record<string, { mode: number; uid: number }> = {}) {
    for (const [k, v] of Object.entries(initial)) this.files.set(k, v);
    for (const [k, v] of Object.entries(modes)) this.stats.set(k, v);
  }
  async readText(p: string) {
    this.reads++;
    return this.files.get(p);
  }
  async writeTextAtomic(p: string, text: string) {
    this.files.set(p, text);
  }
  async ensureDir() {}
  async remove(p: string) {
    for (const k of [...this.files.keys()]) if (k === p || k.startsWith(p + "/")) this.files.delete(k);
  }
  /** No links in memory: the normalized path. */
  async realPath(p: string) {
    return path.posix.normalize(p);
  }

  async exists(p: string) {
    return this.files.has(p) || this.stats.has(p);
  }
  async stat(p: string) {
    return this.stats.get(p);
  }
  async withLock<T>(_p: string, fn: () => Promise<T>) {
    return fn();
  }
}
