/**
 * Baseline (a): a shell script running one `ip` command per step, as a person would write it.
 * Renderers are pure (tested); running them is in {@link runScript}.
 */
import { execFile } from "node:child_process";
import { labAclPath, labBridges } from "../lab-spec";

/** `bash -e` script that builds the lab of size n in a new namespace: one process per step. Pure. */
export function shellUpScript(netns: string, n: number): string {
  const ip = `ip -n ${netns}`;
  const lines = [
    "set -e",
    `ip netns add ${netns}`,
    `${ip} link set lo up`,
    `mkdir -p /etc/qemu /etc/netns/${netns}/qemu`,
  ];
  for (const b of labBridges(n)) {
    lines.push(
      `${ip} link add name ${b.bridge} type bridge`,
      `${ip} addr add ${b.address} dev ${b.bridge}`,
      `${ip} link set dev ${b.bridge} up`,
      `echo 'allow ${b.bridge}' >> ${labAclPath(netns)}`,
      `${ip} link add name ${b.veth} type veth peer name ${b.peer}`,
      `${ip} link set dev ${b.veth} master ${b.bridge}`,
      `${ip} link set dev ${b.veth} up`,
      `${ip} link set dev ${b.peer} up`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Script that reads the whole lab back: one `ip -j -d addr show` plus the ACL file. Pure. */
export function shellReadScript(netns: string): string {
  return ["set -e", `ip -n ${netns} -j -d addr show`, `cat ${labAclPath(netns)}`].join("\n") + "\n";
}

/** Script that tears the lab down step by step: each veth, each bridge, the ACL file, the namespace. Pure. */
export function shellDestroyScript(netns: string, n: number): string {
  const ip = `ip -n ${netns}`;
  const lines = ["set -e"];
  for (const b of labBridges(n)) lines.push(`${ip} link delete dev ${b.veth}`, `${ip} link delete dev ${b.bridge}`);
  lines.push(`rm -rf /etc/netns/${netns}`, `ip netns delete ${netns}`);
  return lines.join("\n") + "\n";
}

/** Number of processes a script starts: one per line that runs a program (echo and set are builtins). Pure. */
export function processCount(script: string): number {
  return script.split("\n").filter((l) => l.trim() !== "" && !/^(set|echo) /.test(l.trim())).length;
}

/** Runs a script with bash; resolves with stdout, rejects with its stderr. */
export function runScript(script: string, timeoutMs = 300_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile("bash", ["-c", script], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`script failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin?.end();
  });
}
