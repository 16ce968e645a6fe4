/**
 * Test guest support: builds (once per process) the tiny Debian-kernel + busybox guest produced by
 * `scripts/build-test-guest.sh` and renders the kernel command line its `/init` understands.
 *
 * The guest contract (cmdline keys, console markers, banners) is documented at the top of the script.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { connectForBanner } from "../../demo/banner";

/** Project root (this file lives in `test/support/`). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Absolute path of the build script. */
export const BUILD_TEST_GUEST_SCRIPT = path.join(PROJECT_ROOT, "scripts", "build-test-guest.sh");

/** Line printed on the guest's serial console once its listeners are up (followed by ` name=... addrs=...`). */
export const GUEST_READY_MARKER = "QEMU-LAB-GUEST READY";

/**
 * Line printed on the serial console after a NoCloud seed (ISO9660 label `cidata`) was found: `... ran exit=<code>
 * instance-id=<id>` when its user-data starts with `#!/bin/sh` (run before READY), `... skipped user-data ...` otherwise.
 */
export const GUEST_CLOUD_INIT_MARKER = "QEMU-LAB-GUEST CLOUD-INIT";

/** Line printed on the serial console when the guest handles the ACPI power button. */
export const GUEST_POWEROFF_MARKER = "QEMU-LAB-GUEST POWEROFF";

/** Name the guest uses when `lab.name` is not given. */
export const DEFAULT_GUEST_NAME = "qemu-lab-guest";

/** Kernel arguments always emitted by {@link guestKernelArgs}: serial console and a faster, quieter TCG boot. */
export const BASE_GUEST_KERNEL_ARGS: readonly string[] = [
  "console=ttyS0",
  "quiet",
  // Never hang on a panic: reboot at once, which `-no-reboot` turns into a QEMU exit.
  "panic=-1",
  // Less work for an emulated CPU: no speculative-execution mitigations, no crypto self-tests.
  "mitigations=off",
  "cryptomgr.notests",
  "no_timer_check",
  // Skips the BIOS EDD probe when booting the bzImage (no-op for the PVH vmlinux).
  "edd=off",
];

/** Paths of the built test guest. */
export interface TestGuest {
  /**
   * Kernel for QEMU's `-kernel`: the uncompressed PVH-bootable `vmlinux` when the build could extract it
   * (boots several seconds faster under TCG), otherwise the Debian `vmlinuz`.
   */
  kernel: string;
  /** The Debian bzImage exactly as shipped in `linux-image-<ver>-amd64`. */
  vmlinuz: string;
  /** Gzipped newc initramfs with busybox, `/init` and the NIC/ACPI/virtio-blk/ISO9660 modules. */
  initrd: string;
  /** Cache directory holding the outputs (also `manifest.txt` and `stamp`). */
  dir: string;
}

let building: Promise<TestGuest> | undefined;

/** Cache directory the script builds into: `$QEMU_LAB_GUEST_DIR` or `<project>/.cache/test-guest`. */
export function testGuestDir(): string {
  const fromEnv = process.env.QEMU_LAB_GUEST_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(PROJECT_ROOT, ".cache", "test-guest");
}

/**
 * Builds the test guest if needed (a no-op after the first build: the script checks its stamp) and returns
 * absolute paths. Memoized per process; a failed build is not memoized so a later call retries.
 *
 * @throws Error with the script's stderr when the build fails (e.g. busybox-static not installed).
 */
export function ensureTestGuest(): Promise<TestGuest> {
  if (!building) {
    building = runBuild().catch((err: unknown) => {
      building = undefined;
      throw err;
    });
  }
  return building;
}

function runBuild(): Promise<TestGuest> {
  const dir = testGuestDir();
  return new Promise<TestGuest>((resolve, reject) => {
    execFile(
      "bash",
      [BUILD_TEST_GUEST_SCRIPT],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, QEMU_LAB_GUEST_DIR: dir },
        // A cold build downloads ~70 MB and unpacks the kernel package.
        timeout: 15 * 60 * 1000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        if (error) {
          reject(new Error(`${BUILD_TEST_GUEST_SCRIPT} failed: ${error.message}\n${String(stderr).trim()}`));
          return;
        }
        const vmlinuz = path.join(dir, "vmlinuz");
        const vmlinux = path.join(dir, "vmlinux");
        const initrd = path.join(dir, "initrd.cpio.gz");
        for (const f of [vmlinuz, initrd]) {
          if (!fs.existsSync(f)) {
            reject(new Error(`${BUILD_TEST_GUEST_SCRIPT} succeeded but ${f} is missing`));
            return;
          }
        }
        resolve({ kernel: fs.existsSync(vmlinux) ? vmlinux : vmlinuz, vmlinuz, initrd, dir });
      },
    );
  });
}

/** Addressing of one guest interface; see `lab.ip` in `scripts/build-test-guest.sh`. */
export interface GuestInterfaceConfig {
  /** Guest interface name, e.g. `eth0` (virtio NICs are numbered before e1000 NICs). */
  iface: string;
  /** Static address(es) in CIDR form, e.g. `10.0.2.15/24` or `fd00::2/64`. */
  address?: string | string[];
  /** Default gateway via this interface. */
  gateway?: string;
  /** Run DHCP on this interface (may be combined with static addresses). */
  dhcp?: boolean;
}

/** Options for {@link guestKernelArgs}. */
export interface GuestKernelArgsOptions {
  /** TCP ports that answer a banner line (default `[22]`; an empty array disables listeners). */
  listen?: number[];
  /**
   * Interface addressing. Interfaces not listed use DHCP unless `dhcp` is `false`. An interface listed with
   * neither address nor `dhcp` is brought up without an address. A string is passed verbatim as `lab.ip`.
   */
  ip?: GuestInterfaceConfig[] | string;
  /** DHCP on interfaces not named in `ip` (default `true`). */
  dhcp?: boolean;
  /** Seconds the guest waits for DHCP leases before printing READY (default 10 in the guest). */
  dhcpWaitSeconds?: number;
  /** Ignore the ACPI power button (QMP `system_powerdown`), so only `quit`/kill stops the guest. */
  ignoreAcpi?: boolean;
  /** Hostname and banner tag: letters, digits, `.`, `_`, `-`. */
  name?: string;
  /** Timestamped `QEMU-LAB-GUEST DEBUG` lines on the console. */
  debug?: boolean;
  /** Extra kernel arguments appended as-is. */
  extra?: string[];
}

const TOKEN = /^[A-Za-z0-9._-]+$/;
const ADDRESS = /^[0-9A-Fa-f.:]+(\/\d{1,3})?$/;

function checkToken(what: string, value: string, re: RegExp = TOKEN): string {
  if (!re.test(value)) throw new Error(`guestKernelArgs: invalid ${what} ${JSON.stringify(value)}`);
  return value;
}

function ipEntries(config: GuestInterfaceConfig): string[] {
  const iface = checkToken("interface", config.iface);
  const addresses = config.address === undefined ? [] : ([] as string[]).concat(config.address);
  const entries = addresses.map((a) => `${iface}:${checkToken("address", a, ADDRESS)}`);
  if (config.gateway !== undefined) entries.push(`${iface}:gw=${checkToken("gateway", config.gateway, ADDRESS)}`);
  if (config.dhcp) entries.push(`${iface}:dhcp`);
  if (addresses.length === 0 && !config.dhcp) entries.push(`${iface}:off`);
  return entries;
}

/**
 * Renders the kernel command line (`-append`) for the test guest.
 *
 * @example
 * guestKernelArgs({ name: "web", listen: [22, 80], ip: [{ iface: "eth0", address: "10.0.2.15/24", gateway: "10.0.2.2" }] })
 * // "console=ttyS0 quiet panic=-1 ... lab.name=web lab.listen=22,80 lab.ip=eth0:10.0.2.15/24,eth0:gw=10.0.2.2"
 * @throws Error on values the guest could not parse (spaces, commas, out-of-range ports).
 */
export function guestKernelArgs(opts: GuestKernelArgsOptions = {}): string {
  const args = [...BASE_GUEST_KERNEL_ARGS];
  if (opts.name !== undefined) args.push(`lab.name=${checkToken("name", opts.name)}`);
  const listen = opts.listen ?? [22];
  for (const p of listen) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`guestKernelArgs: invalid port ${p}`);
  }
  args.push(`lab.listen=${listen.length > 0 ? listen.join(",") : "none"}`);
  if (typeof opts.ip === "string") {
    args.push(`lab.ip=${checkToken("ip spec", opts.ip, /^[A-Za-z0-9._:/=,-]+$/)}`);
  } else if (opts.ip && opts.ip.length > 0) {
    args.push(`lab.ip=${opts.ip.flatMap(ipEntries).join(",")}`);
  }
  if (opts.dhcp === false) args.push("lab.dhcp=0");
  if (opts.dhcpWaitSeconds !== undefined) {
    if (!Number.isInteger(opts.dhcpWaitSeconds) || opts.dhcpWaitSeconds < 0) {
      throw new Error(`guestKernelArgs: invalid dhcpWaitSeconds ${opts.dhcpWaitSeconds}`);
    }
    args.push(`lab.dhcp_wait=${opts.dhcpWaitSeconds}`);
  }
  if (opts.ignoreAcpi) args.push("lab.ignore_acpi=1");
  if (opts.debug) args.push("lab.debug=1");
  if (opts.extra) args.push(...opts.extra);
  return args.join(" ");
}

/**
 * The banner line (without `\r\n`) the guest sends on connect to `port`.
 *
 * @param port TCP port named in `listen`.
 * @param name `lab.name` of the guest (default {@link DEFAULT_GUEST_NAME}).
 */
export function expectedGuestBanner(port: number, name: string = DEFAULT_GUEST_NAME): string {
  const prefix = port === 22 ? "SSH-2.0-qemu-lab-guest" : "qemu-lab-guest";
  return `${prefix} port=${port} name=${name}`;
}

/** The first line a guest sends on `port`, from inside `netns` (polled until it comes), trailing padding removed. */
export async function bannerFrom(netns: string, host: string, port: number, deadlineMs = 90_000): Promise<string> {
  return (await connectForBanner(netns, host, port, deadlineMs)).trimEnd();
}
