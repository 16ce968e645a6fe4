import { promises as fs, constants } from "node:fs";
import * as path from "node:path";
import type { HostFiles } from "./types";
import { withFileLock } from "./file-lock";

/** HostFiles on this machine. */
export class LocalFiles implements HostFiles {
  async readText(p: string): Promise<string | undefined> {
    try {
      return await fs.readFile(p, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async writeTextAtomic(p: string, text: string, options: { mode?: number } = {}): Promise<void> {
    const dir = path.dirname(p);
    await fs.mkdir(dir, { recursive: true });
    let mode = options.mode ?? 0o644;
    try {
      mode = options.mode ?? (await fs.stat(p)).mode & 0o7777;
    } catch {
      /* new file: default mode */
    }
    const tmp = path.join(dir, `.${path.basename(p)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    const fh = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
    try {
      await fh.writeFile(text, "utf8");
      await fh.chmod(mode);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.rename(tmp, p);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async ensureDir(p: string, mode = 0o755): Promise<void> {
    await fs.mkdir(p, { recursive: true, mode });
  }

  async remove(p: string): Promise<void> {
    await fs.rm(p, { recursive: true, force: true });
  }

  async stat(p: string): Promise<{ mode: number; uid: number } | undefined> {
    try {
      const st = await fs.stat(p);
      return { mode: st.mode, uid: st.uid };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async exists(p: string): Promise<boolean> {
    try {
      await fs.access(p);
      return true;
    } catch {
      return false;
    }
  }

  async isEmptyDir(p: string): Promise<boolean> {
    try {
      return (await fs.readdir(p)).length === 0;
    } catch {
      return false;
    }
  }

  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(lockPath, fn);
  }
}
