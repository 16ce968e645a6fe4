import type { Host } from "../host";
import type { PreflightProblem } from "../preflight-error";
import { checkBridgeAccess, defaultAclPath } from "../acl/index";
import type { QemuVmSpec } from "./qemu-argv";
import { conflictingListeners, parseListeners } from "./listeners";
import { formatArgv, isFailure } from "../runner/command-error";
import { QEMU_IMG } from "./qemu-img";
import { XORRISO } from "./cloud-init-seed";
import { probeKvm } from "./kvm-probe";

/**
 * Diagnose what users trip over before QEMU runs: a missing or non-setuid bridge helper, a missing
 * bridge, a bridge.conf ACL that denies the bridge, host ports already taken in the namespace, missing
 * image files, `accel: "kvm"` where KVM cannot run guests, qemu-img (with overlays) or xorriso (with a cloud-init seed,
 * `seedIso`) not installed. Reads only (`ss` when there are host forwards, `--version` of the tools a start needs).
 */
export async function diagnoseVm(host: Host, spec: QemuVmSpec, opts: { runningAsRoot?: boolean } = {}): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const files = host.files;
  const where = host.netns ? `network namespace "${host.netns}"` : "the root network namespace";

  if (spec.accel === "kvm") {
    const kvm = await probeKvm(host);
    if (!kvm.usable) problems.push({ property: "accel", what: `KVM is not usable: ${kvm.detail}`, fix: 'use accel: "auto" (falls back to TCG) or "tcg", or fix KVM (kvm module, /dev/kvm access, nested virtualization)' });
  }

  for (const [p, path] of [["kernel", spec.kernel], ["initrd", spec.initrd]] as const)
    if (path && !(await files.exists(path))) problems.push({ property: p, what: `${path} does not exist`, fix: "point it at an existing file" });
  for (const [i, d] of spec.disks.entries())
    if (d.overlay) {
      // The overlay itself is created at start; its base must be there.
      if (!(await files.exists(d.overlay.backingFile)))
        problems.push({ property: `disks[${i}].overlay.backingFile`, what: `the base image ${d.overlay.backingFile} does not exist`, fix: "download or build the base image to that path first" });
    } else if (!(await files.exists(d.path))) problems.push({ property: `disks[${i}].path`, what: `${d.path} does not exist`, fix: `create the image first (e.g. \`${formatArgv([QEMU_IMG, "create", "-f", "qcow2", d.path, "10G"])}\`)` });
  // The tools a start runs before QEMU: qemu-img for overlays, xorriso for the cloud-init seed.
  const firstOverlay = spec.disks.findIndex((d) => d.overlay);
  if (firstOverlay >= 0 && !(await commandExists(host, [QEMU_IMG, "--version"])))
    problems.push({ property: `disks[${firstOverlay}].overlay`, what: `${QEMU_IMG} is not installed (not found on PATH); overlays are created with it`, fix: "apt-get install qemu-utils" });
  if (spec.seedIso !== undefined && !(await commandExists(host, [XORRISO, "-version"])))
    problems.push({ property: "cloudInit", what: `${XORRISO} is not installed (not found on PATH); the cloud-init seed is built with it`, fix: "apt-get install xorriso" });
  for (const [i, c] of spec.cdroms.entries())
    if (!(await files.exists(c))) problems.push({ property: `cdroms[${i}]`, what: `${c} does not exist`, fix: "download the ISO (e.g. virtio-win.iso) to that path" });

  const bridges = spec.nics.flatMap((n, i) => (n.type === "bridge" ? [{ n, i }] : []));
  if (bridges.length > 0) {
    const links = await host.links();
    const aclPath = defaultAclPath(host.netns);
    const helpersChecked = new Set<string>();
    for (const { n, i } of bridges) {
      if (!helpersChecked.has(n.helper)) {
        helpersChecked.add(n.helper);
        const p = await helperProblem(host, n.helper, opts.runningAsRoot ?? process.getuid?.() === 0);
        if (p) problems.push({ property: `nics[${i}].helper`, ...p });
      }
      const link = links.get(n.bridge);
      if (!link) {
        problems.push({ property: `nics[${i}].bridge`, what: `bridge "${n.bridge}" does not exist in ${where}`, fix: `create it first (a Bridge resource named "${n.bridge}" with the same host), and make this VM depend on it` });
        continue;
      }
      if (link.linkinfo?.info_kind !== "bridge")
        problems.push({ property: `nics[${i}].bridge`, what: `"${n.bridge}" in ${where} is a ${link.linkinfo?.info_kind ?? "plain"} link, not a bridge`, fix: "name a Linux bridge" });
      const acl = await checkBridgeAccess(files, aclPath, n.bridge);
      if (!acl.allowed)
        problems.push({
          property: `nics[${i}].bridge`,
          what: `qemu-bridge-helper would refuse bridge "${n.bridge}" (access denied by acl file ${aclPath}): ${acl.detail}`,
          fix: `add a BridgeAcl resource allowing "${n.bridge}"${host.netns ? ` with host: { netns: "${host.netns}" }` : ""} (an \`allow ${n.bridge}\` line in ${aclPath})`,
        });
    }
  }

  const forwards = spec.nics.flatMap((n, i) => (n.type === "user" ? n.hostForwards.map((f, j) => ({ f, path: `nics[${i}].hostForwards[${j}]` })) : []));
  if (forwards.length > 0) {
    const listeners = parseListeners((await host.exec(["ss", "-Hlntu"], { timeoutMs: 10_000 })).stdout);
    for (const { f, path } of forwards) {
      const c = conflictingListeners(listeners, f);
      if (c.length > 0)
        problems.push({
          property: `${path}.hostPort`,
          what: `${f.protocol} port ${f.hostPort} is already in use in ${where} (listening on ${c.map((l) => `${l.address}:${l.port}`).join(", ")})`,
          fix: `choose another hostPort, or stop whatever listens on it (${host.netns ? `ip netns exec ${host.netns} ` : ""}ss -lntup)`,
        });
    }
  }
  return problems;
}

/** False when argv's program is not installed; any other failure of it is not this check's to judge. */
async function commandExists(host: Host, argv: string[]): Promise<boolean> {
  try {
    await host.runner.run(argv, { timeoutMs: 10_000 });
    return true;
  } catch (e) {
    return !isFailure(e, "missing-command");
  }
}

/** The bridge helper must exist, and be setuid root unless QEMU runs as root. */
async function helperProblem(host: Host, helper: string, root: boolean): Promise<{ what: string; fix: string } | undefined> {
  const st = await helperStat(host, helper);
  if (!st) return { what: `the bridge helper ${helper} does not exist`, fix: "install qemu-system-common (it ships qemu-bridge-helper) or set `helper` to its path" };
  const setuidRoot = st.uid === 0 && (st.mode & 0o4000) !== 0;
  if (!root && !setuidRoot)
    return { what: `the bridge helper ${helper} is not setuid root, so it cannot create a tap device for a non-root QEMU`, fix: `${formatArgv(["sudo", "chown", "root", helper])} && ${formatArgv(["sudo", "chmod", "u+s", helper])}` };
  return undefined;
}

/** Owner and mode of the helper: from HostFiles when it can stat, else one `stat` command. */
async function helperStat(host: Host, helper: string): Promise<{ mode: number; uid: number } | undefined> {
  if (host.files.stat) return host.files.stat(helper);
  try {
    const [uid, mode] = (await host.runner.run(["stat", "-L", "-c", "%u %a", helper], { timeoutMs: 5000 })).stdout.trim().split(" ");
    return { uid: Number(uid), mode: parseInt(mode ?? "0", 8) };
  } catch {
    return undefined;
  }
}
