import * as path from "node:path";
import type { HostFiles } from "../files/types";
import { hasUndecodableBytes, parseConf, renderConf, type ConfFile } from "./conf-file";
import { forgetSharedReads } from "./shared-read";

/** A pure change to a parsed bridge.conf. */
export type ConfEdit = (conf: ConfFile) => ConfFile;

interface Pending {
  edit: ConfEdit;
  resolve: (c: ConfFile) => void;
  reject: (e: unknown) => void;
}

/**
 * Serialized read-modify-write of one bridge.conf. Edits that arrive while a write is waiting for
 * the lock are applied together in one read + one atomic write (50 concurrent creates = a few writes).
 */
class ConfWriter {
  private pending: Pending[] = [];
  private running = false;

  constructor(
    private readonly files: HostFiles,
    private readonly confPath: string,
  ) {}

  submit(edit: ConfEdit): Promise<ConfFile> {
    return new Promise((resolve, reject) => {
      this.pending.push({ edit, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length) {
        let batch: Pending[] = [];
        try {
          await this.files.ensureDir(path.dirname(this.confPath), 0o755);
          const settle = await this.files.withLock(`${this.confPath}.lock`, async () => {
            batch = this.pending.splice(0); // everything that queued while we waited for the lock
            return this.apply(batch);
          });
          settle(); // after the lock is released: a resolved edit means the file is ours to read again
        } catch (e) {
          // Lock or directory failure: fail everything that was waiting.
          for (const p of [...batch, ...this.pending.splice(0)]) p.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Apply the batch and write once; returns a function that settles the callers' promises. */
  private async apply(batch: Pending[]): Promise<() => void> {
    const before = (await this.files.readText(this.confPath)) ?? "";
    if (hasUndecodableBytes(before))
      throw new Error(`${this.confPath} contains bytes that are not UTF-8; refusing to rewrite it (foreign lines would change). Fix the file by hand`);
    let conf = parseConf(before);
    const outcomes: Array<() => void> = [];
    for (const p of batch) {
      try {
        conf = p.edit(conf);
        outcomes.push(() => p.resolve(conf));
      } catch (e) {
        outcomes.push(() => p.reject(e)); // an edit that throws changes nothing
      }
    }
    const after = renderConf(conf);
    if (after !== before) {
      await this.files.writeTextAtomic(this.confPath, after, { shared: true }); // through a symlink; owner and mode kept
      forgetSharedReads(this.files);
    }
    return () => outcomes.forEach((settle) => settle());
  }
}

const writers = new WeakMap<HostFiles, Map<string, ConfWriter>>();

/**
 * Apply an edit to bridge.conf at confPath: directory created (0755) as needed, under `<real path>.lock` (in-process
 * and cross-process; keyed by the real path, so `/etc/qemu/./bridge.conf` and a symlink to the file share one lock),
 * read-modify-write, atomic replace written through a symlink to its target (new file 0644; an existing file keeps
 * its owner and mode). Resolves with the file as written.
 */
export async function editConf(files: HostFiles, confPath: string, edit: ConfEdit): Promise<ConfFile> {
  const real = await files.realPath(confPath);
  let byPath = writers.get(files);
  if (!byPath) writers.set(files, (byPath = new Map()));
  let w = byPath.get(real);
  if (!w) byPath.set(real, (w = new ConfWriter(files, real)));
  return w.submit(edit);
}
