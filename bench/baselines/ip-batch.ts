/**
 * Baseline (b), the floor: the same steps as the shell script, but every `ip` step in one `ip -batch`
 * process (plus `ip netns add` and the ACL file written by the shell in one go).
 */
import { labAclPath, labBridges } from "../lab-spec";

/** `ip -batch` lines that build the lab of size n (run with `ip -n NS -batch -`). Pure. */
export function batchUpLines(n: number): string {
  const lines = ["link set lo up"];
  for (const b of labBridges(n)) {
    lines.push(
      `link add name ${b.bridge} type bridge`,
      `addr add ${b.address} dev ${b.bridge}`,
      `link set dev ${b.bridge} up`,
      `link add name ${b.veth} type veth peer name ${b.peer}`,
      `link set dev ${b.veth} master ${b.bridge}`,
      `link set dev ${b.veth} up`,
      `link set dev ${b.peer} up`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `ip -batch` lines that delete the lab's links. Pure. */
export function batchDestroyLines(n: number): string {
  return labBridges(n).flatMap((b) => [`link delete dev ${b.veth}`, `link delete dev ${b.bridge}`]).join("\n") + "\n";
}

/** Shell script: namespace, the ACL file in one write, one `ip -batch` for every link step. Pure. */
export function batchUpScript(netns: string, n: number): string {
  const acl = labBridges(n).map((b) => `allow ${b.bridge}`).join("\\n");
  return [
    "set -e",
    `ip netns add ${netns}`,
    `mkdir -p /etc/qemu /etc/netns/${netns}/qemu`,
    `printf '${acl}\\n' > ${labAclPath(netns)}`,
    `ip -n ${netns} -batch - <<'EOF'`,
    batchUpLines(n).trimEnd(),
    "EOF",
  ].join("\n") + "\n";
}

/** Shell script: one `ip -batch` deleting every link, then the ACL directory and the namespace. Pure. */
export function batchDestroyScript(netns: string, n: number): string {
  return [
    "set -e",
    `ip -n ${netns} -batch - <<'EOF'`,
    batchDestroyLines(n).trimEnd(),
    "EOF",
    `rm -rf /etc/netns/${netns}`,
    `ip netns delete ${netns}`,
  ].join("\n") + "\n";
}
