/**
 * Debian cloud image support: builds (once per process) the debootstrap'ed Debian + cloud-init image produced by
 * `scripts/build-debian-cloud-image.sh`, for the one test that boots a full systemd guest under TCG.
 *
 * The image contract (files, label, boot arguments) is documented at the top of the script.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Project root (this file lives in `test/support/`). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Absolute path of the build script. */
export const BUILD_DEBIAN_IMAGE_SCRIPT = path.join(PROJECT_ROOT, "scripts", "build-debian-cloud-image.sh");

/**
 * Kernel arguments for booting the image as the VM's first virtio disk: root on `/dev/vda` (no partition table),
 * mounted read-write at once (fstab skips fsck), console on the serial port, and a quieter, faster TCG boot.
 */
export const DEBIAN_KERNEL_ARGS: readonly string[] = [
  "root=/dev/vda",
  "rw",
  "console=ttyS0",
  // Never hang on a panic: reboot at once, which `-no-reboot` turns into a QEMU exit.
  "panic=-1",
  // Less work for an emulated CPU: no speculative-execution mitigations, no crypto self-tests.
  "mitigations=off",
  "cryptomgr.notests",
  "no_timer_check",
  "edd=off",
];

/** Paths of the built Debian cloud image. */
export interface DebianCloudImage {
  /** ext4 root file system (label `root`) as qcow2: an overlay's backing file, never written. */
  base: string;
  /** The guest's kernel (Debian's `vmlinuz`), for QEMU's `-kernel`. */
  kernel: string;
  /** The guest's initramfs (virtio-blk + ext4), for QEMU's `-initrd`. */
  initrd: string;
  /** Cache directory holding the outputs (also `manifest.txt` and `stamp`). */
  dir: string;
}

let building: Promise<DebianCloudImage> | undefined;

/** Cache directory the script builds into: `$QEMU_LAB_DEBIAN_DIR` or `<project>/.cache/debian-cloud`. */
export function debianImageDir(): string {
  const fromEnv = process.env.QEMU_LAB_DEBIAN_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(PROJECT_ROOT, ".cache", "debian-cloud");
}

/**
 * Builds the Debian cloud image if needed (a no-op after the first build: the script checks its stamp) and returns
 * absolute paths. Memoized per process; a failed build is not memoized so a later call retries.
 *
 * @throws Error with the script's stderr when the build fails (e.g. debootstrap not installed, mirror unreachable).
 */
export function ensureDebianCloudImage(): Promise<DebianCloudImage> {
  if (!building) {
    building = runBuild().catch((err: unknown) => {
      building = undefined;
      throw err;
    });
  }
  return building;
}

function runBuild(): Promise<DebianCloudImage> {
  const dir = debianImageDir();
  return new Promise<DebianCloudImage>((resolve, reject) => {
    execFile(
      "bash",
      [BUILD_DEBIAN_IMAGE_SCRIPT],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, QEMU_LAB_DEBIAN_DIR: dir },
        // A cold build downloads ~130 MB of packages and installs them with dpkg: minutes on a busy machine.
        timeout: 20 * 60 * 1000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        if (error) {
          reject(new Error(`${BUILD_DEBIAN_IMAGE_SCRIPT} failed: ${error.message}\n${String(stderr).trim()}`));
          return;
        }
        const image = { base: path.join(dir, "base.qcow2"), kernel: path.join(dir, "vmlinuz"), initrd: path.join(dir, "initrd.img"), dir };
        const missing = [image.base, image.kernel, image.initrd].filter((f) => !fs.existsSync(f));
        if (missing.length > 0) {
          reject(new Error(`${BUILD_DEBIAN_IMAGE_SCRIPT} succeeded but ${missing.join(", ")} is missing`));
          return;
        }
        resolve(image);
      },
    );
  });
}
