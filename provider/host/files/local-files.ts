import { promises as fs, constants } from "node:fs";
import * as path from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { HostFiles } from "./types";
import { withFileLock } from "./file-lock";

/** HostFiles on this machine. */
export class LocalFiles implements HostFiles {
  async readText(p: string, options: { noFollow?: boolean } = {}): Promise<string | undefined> {
    try {
      if (!options.noFollow) return await fs.readFile(p, "utf8");
      const fh = await fs.open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return await fh.readFile("utf8");
      } finally {
        await fh.close();
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return undefined;
      if (code === "ELOOP") throw new Error(`${p} is a symbolic link; refusing to follow it (a state file must be a plain file)`, { cause: e });
      throw e;
    }
  }

  async writeTextAtomic(p: string, text: string, options: { mode?: number; shared?: boolean } = {}): Promise<void> {
    if (options.shared) {
      // write-file-atomic: through a symlink to its target, keeping the target's owner and mode (a new file: 0644).
      await fs.mkdir(path.dirname(await this.realPath(p)), { recursive: true });
      return writeFileAtomic(p, text, { encoding: "utf8", mode: options.mode ?? (await this.stat(p))?.mode ?? 0o644 });
    }
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

  async realPath(p: string): Promise<string> {
    try {
      return await fs.realpath(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      // Not there (yet): its directory's real path, then the name; a dangling link resolves to its target.
      const target = await fs.readlink(p).catch(() => undefined);
      if (target !== undefined) return path.resolve(await this.realPath(path.dirname(p)), target);
      const dir = path.dirname(p);
      return dir === p ? p : path.join(await this.realPath(dir), path.basename(p));
    }
  }

  async ensureDir(p: string, mode = 0o755): Promise<void> {
    // Why two steps: `mkdir -p` gives every parent it creates the leaf's mode, so a 0700 VM dir would make the stateDir
    // 0700 too and shut out dnsmasq (which reads its files there as user dnsmasq).
    await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
    await fs.mkdir(p, { mode }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
  }

  async remove(p: string): Promise<void> {
    await fs.rm(p, { recursive: true, force: true });
  }

  async stat(p: string): Promise<{ mode: number; uid: number; ctimeMs: number } | undefined> {
    try {
      const st = await fs.stat(p);
      return { mode: st.mode, uid: st.uid, ctimeMs: st.ctimeMs };
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

  async listDir(p: string): Promise<string[]> {
    return fs.readdir(p).catch(() => []);
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
