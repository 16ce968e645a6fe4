import { spawn } from "node:child_process";

/**
 * Connect to host:port inside a network namespace and return the first line the peer sends. QEMU's user-mode
 * forward accepts before the guest listens and then closes, so a bare connect proves nothing: poll until a line
 * arrives or the deadline passes.
 */
export async function connectForBanner(netns: string, host: string, port: number, deadlineMs: number): Promise<string> {
  const until = Date.now() + deadlineMs;
  let last = "";
  for (let delay = 100; Date.now() < until; delay = Math.min(delay * 2, 1000)) {
    const line = await tryOnce(netns, host, port).catch((e: Error) => ((last = e.message), ""));
    if (line) return line;
    await new Promise((r) => setTimeout(r, delay));
  }
  throw new Error(`no banner from ${host}:${port} in namespace ${netns} within ${deadlineMs} ms (${last})`);
}

function tryOnce(netns: string, host: string, port: number): Promise<string> {
  const code = `const s=require("net").connect(${port},${JSON.stringify(host)});let b="";s.setTimeout(3000,()=>s.destroy());` +
    `s.on("data",d=>{b+=d;if(b.includes("\\n")){process.stdout.write(b.split("\\n")[0]);s.destroy();}});s.on("error",()=>{});`;
  return nodeInNetns(netns, code, "connection closed without a banner");
}

/**
 * Runs a node script inside a network namespace (`ip netns exec` moves only that process) and resolves with what it
 * printed; rejects with its stderr (or `silent`) when it printed nothing.
 */
export function nodeInNetns(netns: string, code: string, silent = "the script printed nothing"): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", code], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", reject);
    p.on("close", () => (out ? resolve(out) : reject(new Error(err.trim() || silent))));
  });
}
