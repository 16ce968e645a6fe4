import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { withQmp } from "../../../provider/host/qemu/qmp-client";
import { checkAndCreate, checkAndUpdate, testContext } from "../../support/provider-harness";
import { TestNamespaces } from "../../support/netns";
import { ensureTestGuest, expectedGuestBanner, guestKernelArgs, GUEST_READY_MARKER } from "../../support/guest";
import { makeProvider } from "../../../provider/kinds";
import { waitForSerial, waitGone } from "../../support/processes";

const BANNER = expectedGuestBanner(22, "pfguest");

/** Connect to host:port inside the namespace (bounded) and return what the server sent, or "refused". */
function dial(netns: string, port: number): string {
  try {
    const out = execFileSync("ip", ["netns", "exec", netns, "busybox", "nc", "-w", "5", "127.0.0.1", String(port)], {
      encoding: "utf8",
      input: "",
      timeout: 15000,
      stdio: ["pipe", "pipe", "pipe"],
    });
    return out.trim() || "empty";
  } catch (e) {
    const err = e as { stderr?: string };
    if (/refused/i.test(err.stderr ?? "")) return "refused";
    throw e;
  }
}

/**
 * Seed scenario 1 end to end: a QemuVm with user networking running the test guest in a lab namespace,
 * a PortForward host 127.0.0.1:2222 → guest:22 added live, and a client in the namespace reading the
 * guest's SSH banner through it.
 */
describe("PortForward end to end with the test guest", () => {
  const spaces = new TestNamespaces();
  let stateDir: string;
  let netns: string;
  let vmProvider: ReturnType<typeof makeProvider>;
  let vm: { id: string; outs: Record<string, any> } | undefined;
  let vmArgs: Record<string, unknown>;

  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pf-e2e-"));
    netns = spaces.create("qlpe");
    const guest = await ensureTestGuest();
    vmProvider = makeProvider("QemuVm", testContext());
    vmArgs = {
      name: "pfguest",
      accel: "tcg",
      memoryMiB: 256,
      stopTimeoutSeconds: 0,
      kernel: guest.kernel,
      initrd: guest.initrd,
      kernelArgs: guestKernelArgs({ name: "pfguest", listen: [22], dhcp: false, ip: [{ iface: "eth0", address: "10.0.2.15/24", gateway: "10.0.2.2" }] }),
      nics: [{ type: "user" }],
      host: { netns, stateDir },
    };
    vm = await checkAndCreate(vmProvider, vmArgs);
    await waitForSerial(vm.outs.serialLog, new RegExp(GUEST_READY_MARKER), 60_000);
  });
  afterAll(async () => {
    try {
      if (vm) await vmProvider.delete!(vm.id, vm.outs).catch(() => undefined);
    } finally {
      const pid = vm?.outs.pid as number | undefined;
      if (pid && fs.existsSync(`/proc/${pid}`)) {
        try {
          process.kill(pid, "SIGKILL"); // our own QEMU, if delete could not stop it
        } catch {
          /* gone */
        }
      }
      spaces.cleanup();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test("add → banner; removed by hand → refused, drift, repaired by update; moved; deleted → refused", async () => {
    const p = makeProvider("PortForward", testContext());
    const args = { __resourceName: "ssh", vm: "pfguest", vmInstanceId: vm!.outs.instanceId, hostPort: 2222, guestPort: 22, host: { netns, stateDir } };
    expect(dial(netns, 2222)).toBe("refused");

    const { id, outs } = await checkAndCreate(p, args);
    let last = outs;
    try {
      expect(outs).toMatchObject({ rule: "tcp:127.0.0.1:2222-:22", active: true });
      expect(dial(netns, 2222)).toBe(BANNER);

      const read = await makeProvider("PortForward", testContext()).read!(id, outs);
      expect(read.props).toEqual(outs);

      // Removed live by hand: the port refuses, refresh shows it inactive, the next up re-adds it.
      await withQmp(vm!.outs.qmpSocket, (qmp) => qmp.hmp("hostfwd_remove net0 tcp:127.0.0.1:2222"));
      expect(dial(netns, 2222)).toBe("refused");
      const drift = await makeProvider("PortForward", testContext()).read!(id, outs);
      expect(drift.props).toMatchObject({ active: false });
      const repaired = await checkAndUpdate(p, id, drift.props!, args);
      expect(repaired.diff.replaces).toEqual([]);
      last = repaired.outs!;
      expect(dial(netns, 2222)).toBe(BANNER);

      // Moved to another host port live: the old one refuses, the new one answers; no VM restart.
      const moved = await checkAndUpdate(p, id, last, { ...args, hostPort: 2223 });
      expect(moved.diff.replaces).toEqual([]);
      last = moved.outs!;
      expect(dial(netns, 2223)).toBe(BANNER);
      expect(dial(netns, 2222)).toBe("refused");
      const vmRead = await vmProvider.read!(vm!.id, vm!.outs);
      expect(vmRead.props).toMatchObject({ instanceId: vm!.outs.instanceId, status: "running" });
    } finally {
      await p.delete!(id, last);
    }
    expect(dial(netns, 2223)).toBe("refused");
  });

  test("the VM is recreated (new instanceId): the forward is replaced and answers on the new VM", async () => {
    const p = makeProvider("PortForward", testContext());
    const args = (instanceId: string) => ({ __resourceName: "ssh", vm: "pfguest", vmInstanceId: instanceId, hostPort: 2224, guestPort: 22, host: { netns, stateDir } });
    const first = await checkAndCreate(p, args(vm!.outs.instanceId));
    let current = first;
    try {
      expect(dial(netns, 2224)).toBe(BANNER);
      process.kill(vm!.outs.pid, "SIGKILL"); // the VM dies; its forwards die with it
      expect(await waitGone(vm!.outs.pid, 3_000)).toBe(true);
      expect((await makeProvider("PortForward", testContext()).read!(first.id, first.outs)).id).toBeUndefined();

      // The next up restarts the VM (a new instance) and, in the same up, replaces the forward.
      const vmRead = await vmProvider.read!(vm!.id, vm!.outs);
      const restarted = await checkAndUpdate(vmProvider, vm!.id, vmRead.props!, vmArgs);
      expect(restarted.outs?.instanceId).toBeDefined();
      expect(restarted.outs!.instanceId).not.toBe(vm!.outs.instanceId);
      vm = { id: vm!.id, outs: restarted.outs! };
      await waitForSerial(vm.outs.serialLog, new RegExp(GUEST_READY_MARKER), 60_000);

      const checked = await p.check!(first.inputs, args(vm.outs.instanceId));
      const d = await p.diff!(first.id, first.outs, checked.inputs);
      expect(d).toMatchObject({ changes: true, replaces: ["vmInstanceId"], deleteBeforeReplace: true });
      await p.delete!(first.id, first.outs); // deleteBeforeReplace: the old one first (already gone with its VM)
      current = { ...(await checkAndCreate(p, args(vm.outs.instanceId))) };
      expect(dial(netns, 2224)).toBe(BANNER);
    } finally {
      await p.delete!(current.id, current.outs);
    }
    expect(dial(netns, 2224)).toBe("refused");
  });
});
