/**
 * A short summary of a V8 `.cpuprofile` (what `node --cpu-prof` writes): self time grouped by who owns the code —
 * this package (dist/driver, dist/cli, …), @pulumi/pulumi, gRPC/protobuf, other npm packages, Node's internals —
 * and the hottest functions. Pure.
 */
import * as path from "node:path";

/** The parts of a `.cpuprofile` the summary reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  /** Node id per sample. */
  samples: number[];
  /** µs before each sample (the first from startTime). */
  timeDeltas: number[];
}

/** Self time of one owner of code. */
export interface ProfileGroup {
  group: string;
  selfMs: number;
}

/** Self time of one function. */
export interface ProfileFunction {
  /** `name (file:line)`. */
  name: string;
  group: string;
  selfMs: number;
}

/** The summary: busy time by owner, idle time, the hottest functions. */
export interface CpuProfileSummary {
  /** Profile duration, ms. */
  wallMs: number;
  /** Time the thread waited for I/O (children, sockets), ms. */
  idleMs: number;
  /** Busy groups, largest first. */
  groups: ProfileGroup[];
  /** Hottest functions (busy only), largest first. */
  top: ProfileFunction[];
}

const NODE = "node internals";

/** V8's pseudo-frames (no script): idle, garbage collection, the VM itself. */
const META: Record<string, string> = {
  "(idle)": "idle",
  "(garbage collector)": "V8: garbage collector",
  "(program)": "V8: compiler and runtime",
  "(root)": "V8: compiler and runtime",
};

/**
 * Who owns a script URL: `ours: dist/<folder>`, `@pulumi/pulumi`, `gRPC/protobuf`, `npm: <package>` or `node internals`.
 * Undefined for native builtins (no URL), which the summary charges to their caller. Pure.
 */
export function ownerOf(url: string): string | undefined {
  if (url === "") return undefined;
  if (url.startsWith("node:") || !/^(file:\/\/)?\//.test(url)) return NODE;
  const inModules = url.lastIndexOf("/node_modules/");
  if (inModules >= 0) {
    const rest = url.slice(inModules + "/node_modules/".length).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === "@pulumi/pulumi") return "@pulumi/pulumi";
    if (pkg.startsWith("@grpc/") || pkg === "google-protobuf" || pkg.startsWith("@protobufjs/") || pkg === "protobufjs") return "gRPC/protobuf";
    return `npm: ${pkg}`;
  }
  const ours = /\/dist\/([^/]+)\//.exec(url);
  return ours ? `ours: dist/${ours[1]}` : "other scripts";
}

/**
 * Summarizes a profile: self time per owner and the `topN` hottest functions. A builtin is charged to its caller, and
 * Node's own code to the nearest caller outside Node ("node internals, called by ours: dist/driver"), so `fs.renameSync`
 * from the driver or the loading of @pulumi/pulumi's modules show whose they are. Pure.
 */
export function summarizeCpuProfile(profile: CpuProfile, topN = 8): CpuProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Why sample i gets the gap to the next one: a sample stands for the interval until the next sample (DevTools does the same).
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (t += d));
  profile.samples.forEach((id, i) => {
    const next = i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, next - stamps[i]!));
  });
  const ownerOfNode = (id: number): string => {
    const own = byId.get(id)!.callFrame;
    if (own.url === "" && META[own.functionName]) return META[own.functionName]!;
    let internal = false;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const owner = ownerOf(byId.get(cur)!.callFrame.url);
      if (owner === undefined) continue; // a builtin (JSON, RegExp, fs bindings): charged to its caller
      if (owner !== NODE) return internal ? `${NODE}, called by ${owner}` : owner;
      internal = true; // fs, child_process, module loading: named for the code that called into them
    }
    return NODE;
  };
  const groups = new Map<string, number>();
  const functions = new Map<string, ProfileFunction>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const group = ownerOfNode(id);
    if (group === "idle") {
      idleUs += us;
      continue;
    }
    groups.set(group, (groups.get(group) ?? 0) + us);
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? ` (${path.basename(frame.url)}:${frame.lineNumber + 1})` : "";
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    const f = functions.get(name) ?? { name, group, selfMs: 0 };
    f.selfMs += us / 1000;
    functions.set(name, f);
  }
  const byMs = <T extends { selfMs: number }>(a: T, b: T) => b.selfMs - a.selfMs;
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    idleMs: idleUs / 1000,
    groups: [...groups.entries()].map(([group, us]) => ({ group, selfMs: us / 1000 })).sort((a, b) => byMs(a, b) || a.group.localeCompare(b.group)),
    top: [...functions.values()].sort((a, b) => byMs(a, b) || a.name.localeCompare(b.name)).slice(0, topN),
  };
}
