import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../../..");

/** The test guest's kernel and initramfs, built (or reused from the cache) by scripts/build-test-guest.sh. */
export function testGuestFiles(): { kernel: string; initrd: string } {
  const dir = process.env.QEMU_LAB_GUEST_DIR ?? path.join(ROOT, ".cache", "test-guest");
  execFileSync("bash", [path.join(ROOT, "scripts", "build-test-guest.sh")], { stdio: ["ignore", "ignore", "pipe"], timeout: 600000 });
  const vmlinux = path.join(dir, "vmlinux");
  return { kernel: fs.existsSync(vmlinux) ? vmlinux : path.join(dir, "vmlinuz"), initrd: path.join(dir, "initrd.cpio.gz") };
}

/** Wait (polling the serial log with a short backoff, bounded) until the guest prints its READY marker. */
export async function bootedGuest(serialLog: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const text = fs.existsSync(serialLog) ? fs.readFileSync(serialLog, "utf8") : "";
    if (text.includes("QEMU-LAB-GUEST READY")) return;
    if (Date.now() > deadline) throw new Error(`guest not ready after ${timeoutMs} ms; serial log:\n${text.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 500);
  }
}
