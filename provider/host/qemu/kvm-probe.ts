import type { Host } from "../host";
import { randomUUID } from "node:crypto";
import { isFailure } from "../runner/command-error";
import type { CommandRunner } from "../runner/types";
import { QEMU_BINARY } from "./qemu-argv";
import { messageOf } from "../runner/message-of";

/** Exit status QEMU's isa-debug-exit gives for the value 0x42 the probe writes: (0x42 << 1) | 1. */
export const PROBE_OK_EXIT = 133;
/** A working KVM runs the probe in well under a second (QEMU start-up dominates). */
// Long enough for a probe that competes with other providers' probes and VMs for the CPU; a hung KVM costs this once.
const PROBE_TIMEOUT_MS = 8000;

/**
 * A 64 KiB firmware image that switches from real mode to 32-bit protected mode and writes 0x42 to
 * port 0xf4 (isa-debug-exit), so QEMU exits 133. A KVM that initializes but cannot run guests (as in
 * some nested setups, where Linux guests hang right after the real-mode setup) never gets there. Pure.
 */
export function kvmProbeImage(): Uint8Array {
  const img = new Uint8Array(65536);
  // 0x0000, 16-bit: cli; lgdt dword cs:[0x20]; mov eax,cr0; or al,1; mov cr0,eax; jmp dword 0x08:0xffff0040
  img.set([0xfa, 0x66, 0x2e, 0x0f, 0x01, 0x16, 0x20, 0x00, 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0, 0x66, 0xea, 0x40, 0x00, 0xff, 0xff, 0x08, 0x00], 0x00);
  img.set([0x0f, 0x00, 0x28, 0x00, 0xff, 0xff], 0x20); // GDT descriptor: limit 15, base 0xffff0028
  img.set([0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00], 0x30); // flat 32-bit code segment (selector 0x08)
  img.set([0xb0, 0x42, 0xe6, 0xf4, 0xf4, 0xeb, 0xfe], 0x40); // 32-bit: mov al,0x42; out 0xf4,al; hlt; jmp $
  img.set([0xe9, 0x0d, 0x00], 0xfff0); // reset vector (cs base 0xffff0000, ip 0xfff0): jmp 0x0000
  return img;
}

/**
 * A `sh -c` script writing `img` to "$1" with printf octal escapes for the non-zero spans and
 * /dev/zero for the gaps: works through any runner (local or remote), no binary file API needed. Pure.
 */
export function imageWriterScript(img: Uint8Array): string {
  const parts: string[] = [];
  const zeros = (n: number) => n > 0 && parts.push(`head -c ${n} /dev/zero`);
  let pos = 0;
  for (let i = 0; i < img.length; ) {
    if (img[i] === 0) {
      i++;
      continue;
    }
    // A span of bytes with no more than 16 zeros in a row goes into one printf.
    let end = i + 1;
    for (let k = end; k < img.length && k - end <= 16; k++) if (img[k] !== 0) end = k + 1;
    zeros(i - pos);
    parts.push(`printf '${Array.from(img.subarray(i, end), (b) => "\\" + b.toString(8).padStart(3, "0")).join("")}'`);
    pos = i = end;
  }
  zeros(img.length - pos);
  return `{ ${parts.join("; ")}; } > "$1"`;
}

/** Whether KVM can run guests here, and why not. */
export interface KvmProbeResult {
  usable: boolean;
  detail: string;
}

const cache = new WeakMap<CommandRunner, Map<string, Promise<KvmProbeResult>>>();

/**
 * Can KVM run guest code on this host? Runs the probe image once per runner and state dir (cached for
 * the provider process); /dev/kvm missing answers without running anything.
 */
export function probeKvm(host: Host): Promise<KvmProbeResult> {
  let byDir = cache.get(host.runner);
  if (!byDir) cache.set(host.runner, (byDir = new Map()));
  let p = byDir.get(host.stateDir);
  if (!p) {
    p = runProbe(host);
    byDir.set(host.stateDir, p);
  }
  return p;
}

async function runProbe(host: Host): Promise<KvmProbeResult> {
  if (!(await host.files.exists("/dev/kvm"))) return { usable: false, detail: "/dev/kvm does not exist" };
  await host.files.ensureDir(host.stateDir, 0o755); // its privacy was checked by the VM start that asks
  // One file per probe: two providers probing at once must not share (and delete) one image.
  const file = `${host.stateDir}/kvm-probe.${process.pid}.${randomUUID()}.bin`;
  await host.runner.run(["sh", "-c", imageWriterScript(kvmProbeImage()), "sh", file], { timeoutMs: 10_000 });
  const argv = [QEMU_BINARY, "-accel", "kvm", "-machine", "pc", "-nodefaults", "-bios", file, "-device", "isa-debug-exit,iobase=0xf4,iosize=1", "-display", "none", "-monitor", "none", "-serial", "none", "-m", "16"];
  try {
    await host.runner.run(argv, { timeoutMs: PROBE_TIMEOUT_MS, okExitCodes: [PROBE_OK_EXIT] });
    return { usable: true, detail: "KVM ran the protected-mode probe" };
  } catch (e) {
    if (isFailure(e, "timeout")) return { usable: false, detail: `KVM initializes but cannot run guest code (the protected-mode probe hung for ${PROBE_TIMEOUT_MS} ms)` };
    const stderr = (e as { stderr?: string }).stderr?.trim();
    return { usable: false, detail: `KVM cannot start a VM: ${stderr || messageOf(e)}` };
  } finally {
    await host.files.remove(file).catch(() => undefined);
  }
}
