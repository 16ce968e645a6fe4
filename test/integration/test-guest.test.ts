/**
 * Boots the test guest with plain QEMU (no project code) under TCG and checks its contract:
 * banner on forwarded TCP ports, clean power-off on ACPI power button, and `lab.ignore_acpi=1`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import {
  GUEST_POWEROFF_MARKER,
  GUEST_READY_MARKER,
  ensureTestGuest,
  expectedGuestBanner,
  guestKernelArgs,
  type TestGuest,
} from "../support/guest";
import { pollUntil } from "../support/processes";

const BOOT_DEADLINE_MS = 180_000; // TCG on a busy 2-core runner can be slow
const POLL_MS = 200;

interface Vm {
  child: ChildProcess;
  dir: string;
  serial: string;
  qmpSocket: string;
  /** Resolves with the exit code (or signal name) when QEMU exits. */
  exited: Promise<number | string>;
  hasExited: () => boolean;
  stderr: () => string;
}

const started: Vm[] = [];
const tempDirs: string[] = [];
const timings: string[] = [];
let guest: TestGuest;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks the kernel for a free loopback port (closed again before QEMU binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function startVm(opts: { nic: string; append: string; forwards: Array<{ host: number; guest: number }> }): Vm {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qemu-lab-guest-test-"));
  tempDirs.push(dir);
  const serial = path.join(dir, "serial.log");
  const qmpSocket = path.join(dir, "qmp.sock");
  const hostfwd = opts.forwards.map((f) => `,hostfwd=tcp:127.0.0.1:${f.host}-:${f.guest}`).join("");
  const args = [
    "-accel", "tcg",
    "-m", "256",
    "-display", "none",
    "-no-reboot",
    "-nodefaults",
    "-kernel", guest.kernel,
    "-initrd", guest.initrd,
    "-append", opts.append,
    "-netdev", `user,id=net0${hostfwd}`,
    "-device", `${opts.nic},netdev=net0`,
    "-serial", `file:${serial}`,
    "-monitor", "none",
    "-qmp", `unix:${qmpSocket},server=on,wait=off`,
  ];
  const child = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(code ?? signal ?? "unknown");
    });
    child.once("error", (e) => {
      done = true;
      err += String(e);
      resolve("spawn-error");
    });
  });
  const vm: Vm = { child, dir, serial, qmpSocket, exited, hasExited: () => done, stderr: () => err };
  started.push(vm);
  return vm;
}

function readSerial(vm: Vm): string {
  try {
    return fs.readFileSync(vm.serial, "utf8");
  } catch {
    return "";
  }
}

/**
 * The serial log once it contains `marker` (or as it is at the deadline). Why poll: the listeners answer as soon as
 * they are up, before the guest prints READY (which waits for DHCP), so a banner does not mean READY is logged yet.
 */
async function serialWith(vm: Vm, marker: string, deadlineMs = 30_000): Promise<string> {
  return pollUntil(() => (readSerial(vm).includes(marker) ? readSerial(vm) : undefined), deadlineMs, () => "").catch(() => readSerial(vm));
}

/** One connect attempt: resolves with the first line received, or "" if the connection closed/stalled. */
function tryBanner(port: number): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    const sock = net.connect({ host: "127.0.0.1", port });
    const finish = (line: string) => {
      sock.destroy();
      resolve(line);
    };
    sock.setTimeout(2000, () => finish(""));
    sock.on("data", (d: Buffer) => {
      data += d.toString("latin1");
      const nl = data.indexOf("\n");
      if (nl >= 0) finish(data.slice(0, nl + 1));
    });
    sock.on("error", () => finish(""));
    sock.on("close", () => finish(data.includes("\n") ? data.slice(0, data.indexOf("\n") + 1) : ""));
  });
}

/** Polls the forwarded port until the guest answers a banner line; slirp accepts before the guest listens. */
async function waitForBanner(vm: Vm, port: number): Promise<string> {
  return pollUntil(
    async () => {
      if (vm.hasExited()) throw new Error(`QEMU exited early: ${vm.stderr()}\nserial:\n${readSerial(vm)}`);
      return (await tryBanner(port)) || undefined;
    },
    BOOT_DEADLINE_MS,
    () => `no banner on 127.0.0.1:${port} within ${BOOT_DEADLINE_MS} ms\nserial:\n${readSerial(vm)}`,
  );
}

/** Minimal QMP client: sends qmp_capabilities, then one command, and returns its response. */
async function qmp(vm: Vm, command: string): Promise<unknown> {
  const deadline = Date.now() + 30_000;
  let sock: net.Socket | undefined;
  while (!sock) {
    try {
      sock = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(vm.qmpSocket);
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(POLL_MS);
    }
  }
  const conn = sock;
  try {
    let buf = "";
    const waiters: Array<(msg: Record<string, unknown>) => void> = [];
    const pending: Array<Record<string, unknown>> = [];
    conn.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ("event" in msg) continue; // asynchronous events are not replies
        const w = waiters.shift();
        if (w) w(msg);
        else pending.push(msg);
      }
    });
    const next = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const m = pending.shift();
        if (m) return resolve(m);
        const t = setTimeout(() => reject(new Error(`QMP timeout waiting for reply to ${command}`)), 10_000);
        waiters.push((msg) => {
          clearTimeout(t);
          resolve(msg);
        });
      });
    const greeting = await next();
    expect(greeting).toHaveProperty("QMP");
    conn.write(JSON.stringify({ execute: "qmp_capabilities" }) + "\n");
    expect(await next()).toHaveProperty("return");
    conn.write(JSON.stringify({ execute: command }) + "\n");
    return await next();
  } finally {
    conn.destroy();
  }
}

/** Resolves true if QEMU exits within `ms`, false otherwise (without killing it). */
async function exitsWithin(vm: Vm, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([vm.exited.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Boots, retrying with a new port if the chosen one got taken before QEMU bound it. */
async function bootUntilBanner(nic: string, append: string, guestPorts: number[]) {
  for (let attempt = 1; ; attempt++) {
    const forwards: Array<{ host: number; guest: number }> = [];
    for (const g of guestPorts) forwards.push({ host: await freePort(), guest: g });
    const t0 = Date.now();
    const vm = startVm({ nic, append, forwards });
    try {
      const banner = await waitForBanner(vm, forwards[0]!.host);
      return { vm, forwards, banner, bootMs: Date.now() - t0 };
    } catch (e) {
      const hostfwdClash = vm.hasExited() && /host forwarding|hostfwd/i.test(vm.stderr());
      if (!hostfwdClash || attempt >= 3) throw e;
    }
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  guest = await ensureTestGuest();
  timings.push(`ensureTestGuest: ${Date.now() - t0} ms (kernel ${path.basename(guest.kernel)})`);
}, 15 * 60 * 1000);

afterAll(async () => {
  for (const vm of started) {
    if (!vm.hasExited() && vm.child.pid !== undefined) {
      try {
        process.kill(vm.child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      await exitsWithin(vm, 5000);
    }
  }
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
  if (timings.length > 0) console.log(`test guest timings:\n  ${timings.join("\n  ")}`);
});

describe("test guest (QEMU, TCG)", () => {
  test("virtio-net + DHCP: banner, then system_powerdown powers off cleanly", async () => {
    const name = "virtio-guest";
    const { vm, banner, bootMs } = await bootUntilBanner(
      "virtio-net-pci",
      guestKernelArgs({ name, listen: [22] }),
      [22],
    );
    timings.push(`virtio-net boot-to-banner: ${bootMs} ms`);
    expect(banner).toBe(`${expectedGuestBanner(22, name)}\r\n`);
    const serial = await serialWith(vm, GUEST_READY_MARKER);
    expect(serial).toContain(`${GUEST_READY_MARKER} name=${name} acpi=poweroff`);
    expect(serial).toMatch(/driver=virtio_net addrs=10\.0\.2\.15\/24/);

    const t0 = Date.now();
    expect(await qmp(vm, "system_powerdown")).toHaveProperty("return");
    expect(await exitsWithin(vm, 60_000)).toBe(true);
    timings.push(`virtio-net system_powerdown-to-exit: ${Date.now() - t0} ms`);
    expect(await vm.exited).toBe(0);
    expect(readSerial(vm)).toContain(GUEST_POWEROFF_MARKER);
  }, 5 * 60 * 1000);

  test("e1000 + static IP + lab.ignore_acpi=1: banners, powerdown ignored, QMP quit stops it", async () => {
    const name = "e1000-guest";
    const { vm, forwards, banner, bootMs } = await bootUntilBanner(
      "e1000",
      guestKernelArgs({
        name,
        listen: [22, 8080],
        ignoreAcpi: true,
        ip: [{ iface: "eth0", address: "10.0.2.15/24", gateway: "10.0.2.2" }],
      }),
      [22, 8080],
    );
    timings.push(`e1000 boot-to-banner: ${bootMs} ms`);
    expect(banner).toBe(`${expectedGuestBanner(22, name)}\r\n`);
    expect(await tryBanner(forwards[1]!.host)).toBe(`${expectedGuestBanner(8080, name)}\r\n`);
    const serial = await serialWith(vm, GUEST_READY_MARKER);
    expect(serial).toContain(`${GUEST_READY_MARKER} name=${name} acpi=ignore listen=22,8080`);
    expect(serial).toMatch(/driver=e1000 addrs=10\.0\.2\.15\/24/);

    expect(await qmp(vm, "system_powerdown")).toHaveProperty("return");
    expect(await exitsWithin(vm, 5_000)).toBe(false);
    // Still serving after the ignored power button.
    expect(await tryBanner(forwards[0]!.host)).toBe(`${expectedGuestBanner(22, name)}\r\n`);

    await qmp(vm, "quit").catch(() => undefined); // QEMU may close the socket before replying
    expect(await exitsWithin(vm, 30_000)).toBe(true);
    expect(readSerial(vm)).not.toContain(GUEST_POWEROFF_MARKER);
  }, 5 * 60 * 1000);
});
