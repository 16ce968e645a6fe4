/**
 * Baseline (c): libvirt networks (`virsh net-define` + `net-start`: a bridge with an address and a dnsmasq).
 * Runs only where libvirt is installed. libvirt networks live in the root namespace (libvirt cannot place them
 * in another one), so this baseline touches the root namespace's links — it is never run in CI.
 */
import { execFileSync } from "node:child_process";
import { labBridge } from "../lab-spec";
import { runScript } from "./shell-script";

/** How to get the baseline where it is missing. */
export const LIBVIRT_INSTALL_HINT = "apt-get install libvirt-daemon-system dnsmasq-base (then rerun `npm run bench`)";

/** Why libvirt cannot be measured here, or undefined when it can (libvirtd started if needed). */
export function libvirtUnavailable(): string | undefined {
  const has = (cmd: string) => {
    try {
      execFileSync("bash", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  if (!has("virsh") || !has("libvirtd")) return `libvirt is not installed: ${LIBVIRT_INSTALL_HINT}`;
  try {
    execFileSync("virsh", ["-c", "qemu:///system", "version"], { stdio: "ignore", timeout: 10_000 });
  } catch {
    try {
      execFileSync("bash", ["-c", "(systemctl start libvirtd || libvirtd -d) >/dev/null 2>&1"], { timeout: 30_000 });
      execFileSync("virsh", ["-c", "qemu:///system", "version"], { stdio: "ignore", timeout: 10_000 });
    } catch (e) {
      return `libvirtd is installed but could not be started: ${(e as Error).message}`;
    }
  }
  return undefined;
}

/** Network XML for lab bridge i under a run tag (names ≤ 15 chars). Pure. */
export function libvirtNetworkXml(tag: string, i: number): string {
  const b = labBridge(i);
  const [addr] = b.address.split("/");
  return `<network><name>${tag}-${i}</name><bridge name='qlvb${tag.slice(-4)}${i}' stp='off'/><ip address='${addr}' netmask='255.255.255.0'/></network>`;
}

const virsh = "virsh -q -c qemu:///system";

/** Script defining and starting n networks, one virsh call per step, as a person would. Pure. */
export function libvirtUpScript(tag: string, n: number, xmlDir: string): string {
  const lines = ["set -e"];
  for (let i = 0; i < n; i++) {
    lines.push(`cat > ${xmlDir}/${i}.xml <<'EOF'\n${libvirtNetworkXml(tag, i)}\nEOF`);
    lines.push(`${virsh} net-define ${xmlDir}/${i}.xml >/dev/null`, `${virsh} net-start ${tag}-${i} >/dev/null`);
  }
  return lines.join("\n") + "\n";
}

/** Script reading every network back (list + XML of each). Pure. */
export function libvirtReadScript(tag: string, n: number): string {
  const lines = ["set -e", `${virsh} net-list --all >/dev/null`];
  for (let i = 0; i < n; i++) lines.push(`${virsh} net-dumpxml ${tag}-${i} >/dev/null`);
  return lines.join("\n") + "\n";
}

/** Script stopping and undefining every network; tolerates ones already gone. Pure. */
export function libvirtDestroyScript(tag: string, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${virsh} net-destroy ${tag}-${i} >/dev/null 2>&1 || true`, `${virsh} net-undefine ${tag}-${i} >/dev/null 2>&1 || true`);
  return lines.join("\n") + "\n";
}

/** Times up/read/destroy of n libvirt networks; always tears down what it defined. */
export async function runLibvirtTrial(tag: string, n: number, xmlDir: string): Promise<{ up: number; refresh: number; destroy: number }> {
  const t = async (script: string) => {
    const started = Date.now();
    await runScript(script, 900_000);
    return Date.now() - started;
  };
  try {
    const up = await t(libvirtUpScript(tag, n, xmlDir));
    const refresh = await t(libvirtReadScript(tag, n));
    const destroy = await t(libvirtDestroyScript(tag, n));
    return { up, refresh, destroy };
  } finally {
    await runScript(libvirtDestroyScript(tag, n)).catch(() => undefined);
  }
}
