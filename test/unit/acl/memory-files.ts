import type { HostFiles } from "../../../provider/host/files/types";

/** HostFiles over a Map (unit tests of readers; no locking across processes needed). */
export class MemoryFiles implements HostFiles {
  readonly files = new Map<string, string>();
  reads = 0;
  constructor(initial: Record<string, string> = {}, readonly modes: Record<string, { mode: number; uid: number }> = {}) {
    for (const [k, v] of Object.entries(initial)) this.files.set(k, v);
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
    this.files.delete(p);
  }
  async exists(p: string) {
    return this.files.has(p);
  }
  async stat(p: string) {
    return this.modes[p];
  }
  async withLock<T>(_p: string, fn: () => Promise<T>) {
    return fn();
  }
}
