import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { sh } from "../../support/netns";
import { isQemu } from "../../support/processes";
import { DEBIAN_KERNEL_ARGS, ensureDebianCloudImage } from "../../support/debian-image";
import { VmStateDirs } from "./vm-fixtures";
import { makeProvider } from "../../../provider/kinds";

const GIB = 1024 ** 3;
/** sha256 of a file too large to read into memory at once (the base is ~0.5 GB). */
const sha256sum = (file: string) => sh(["sha256sum", file]).split(" ")[0];

/** Read-only views into an ext4 image file with debugfs (no mount, no kernel involvement). */
const debugfs = (image: string, request: string) => sh(["debugfs", "-R", request, image]);
const catFile = (image: string, file: string) => debugfs(image, `cat ${file}`);

/**
 * A real Debian guest (systemd + cloud-init from Debian's packages, see scripts/build-debian-cloud-image.sh) booted by
 * QemuVm from a qcow2 overlay on the cached base, with a NoCloud seed. One test, not a suite: under TCG the boot to
 * cloud-init's final stage takes minutes. create returns only once cloud-init printed the user data's final_message;
 * then the VM is deleted (its overlay kept) and the overlay's file system is read from the host.
 */
describe("QemuVm with a Debian cloud image (real cloud-init, TCG)", () => {
  const states = new VmStateDirs();
  afterAll(() => states.cleanup());

  test("cloud-init applies the seed's #cloud-config: hostname, user + key, write_files, runcmd, resizefs; the base stays unchanged", async () => {
    const image = await ensureDebianCloudImage();
    const baseSum = sha256sum(image.base);
    const stateDir = states.create();
    const overlay = path.join(stateDir, "debian.qcow2");
    const token = randomBytes(6).toString("hex");
    const hostname = `qlab-ci-${token}`;
    const instanceId = `qlab-${token}`;
    const key = `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHFlbXUtbGFiLXRlc3Qta2V5LW5vdC1hLXJlYWwtb25l qemu-lab-${token}`;
    const userData = [
      "#cloud-config",
      `hostname: ${hostname}`,
      "users:",
      "  - name: labuser",
      "    gecos: qemu-lab test user",
      "    shell: /bin/sh",
      "    lock_passwd: true",
      `    ssh_authorized_keys: ["${key}"]`,
      "write_files:",
      "  - path: /var/lib/qemu-lab/marker",
      '    permissions: "0640"',
      "    content: |",
      `      written-by-cloud-init ${token}`,
      "runcmd:",
      `  - [sh, -c, "echo QLAB-RUNCMD ${token} uid=$(id -u labuser) host=$(hostname) > /dev/console"]`,
      // Rendered by cloud-init at the very end of its final stage: the readiness line.
      `final_message: "QLAB-CLOUD-INIT-FINISHED ${token} version=$version datasource=$datasource uptime=$uptime"`,
      "",
    ].join("\n");
    const p = makeProvider("QemuVm", testContext());
    const { id, outs } = await checkAndCreate(p, {
      name: "debian",
      accel: "tcg",
      memoryMiB: 1024,
      // systemd powers off on the ACPI button (logind), which takes a while under TCG.
      stopTimeoutSeconds: 180,
      kernel: image.kernel,
      initrd: image.initrd,
      kernelArgs: DEBIAN_KERNEL_ARGS.join(" "),
      disks: [{ path: overlay, overlay: { backingFile: image.base, sizeGiB: 4 }, keepOnDelete: true }],
      nics: [{ type: "user" }],
      // local-hostname is overridden by the user data's hostname: the file shows which one cloud-init applied.
      cloudInit: { userData, metaData: `instance-id: ${instanceId}\nlocal-hostname: from-meta-data\n` },
      // $version is rendered to digits: the literal template (should it ever be echoed) does not match.
      readiness: { serialPattern: `QLAB-CLOUD-INIT-FINISHED ${token} version=\\d`, timeoutSeconds: 600 },
      host: { stateDir },
    });
    states.track(outs.pid);
    try {
      // The console: runcmd ran after users and hostname were applied; the final stage came from the NoCloud seed
      // (the second virtio disk, after the root).
      const serial = readFileSync(outs.serialLog, "utf8");
      expect(serial).toMatch(new RegExp(`QLAB-RUNCMD ${token} uid=\\d+ host=${hostname}`));
      expect(serial).toMatch(new RegExp(`QLAB-CLOUD-INIT-FINISHED ${token} version=\\d+\\.\\d+\\S* datasource=DataSourceNoCloud \\[seed=/dev/vdb\\]`));
    } finally {
      // Stop the guest, keep its overlay to inspect; the base is never removed.
      await p.delete!(id, outs);
    }
    expect(isQemu(outs.pid)).toBe(false);
    expect(existsSync(overlay)).toBe(true);

    // The overlay's file system, read from a raw copy (a journal left by an unclean stop is replayed into the copy).
    const raw = path.join(stateDir, "root.raw");
    sh(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", overlay, raw]);
    sh(["e2fsck", "-y", "-E", "journal_only", raw], { allowFail: true });
    expect(catFile(raw, "/etc/hostname")).toBe(`${hostname}\n`);
    expect(catFile(raw, "/etc/passwd")).toMatch(/^labuser:x:\d+:\d+:qemu-lab test user:\/home\/labuser:\/bin\/sh$/m);
    expect(catFile(raw, "/home/labuser/.ssh/authorized_keys")).toContain(key);
    expect(catFile(raw, "/var/lib/qemu-lab/marker")).toBe(`written-by-cloud-init ${token}\n`);
    expect(debugfs(raw, "stat /var/lib/qemu-lab/marker")).toMatch(/Mode: +0640\b/);
    // cloud-init's own record: this seed's instance, all stages done, no module reported an error.
    expect(catFile(raw, "/var/lib/cloud/data/instance-id")).toBe(`${instanceId}\n`);
    expect(catFile(raw, `/var/lib/cloud/instances/${instanceId}/boot-finished`)).not.toBe("");
    const result = JSON.parse(catFile(raw, "/var/lib/cloud/data/result.json")) as { v1: { datasource: string; errors: string[] } };
    expect(result.v1).toEqual({ datasource: expect.stringMatching(/^DataSourceNoCloud \[seed=\/dev\/vdb\]/), errors: [] });
    // resizefs (a default module) grew the root file system to the overlay's 4 GiB.
    const superblock = sh(["dumpe2fs", "-h", raw]);
    const blocks = superblock.match(/^Block count:\s+(\d+)$/m)?.[1];
    const blockSize = superblock.match(/^Block size:\s+(\d+)$/m)?.[1];
    expect(Number(blocks) * Number(blockSize)).toBe(4 * GIB);

    // The cached base: not written through the overlay.
    expect(sha256sum(image.base)).toBe(baseSum);
  }, 25 * 60 * 1000);
});
