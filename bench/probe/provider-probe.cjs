/**
 * Preloaded (`NODE_OPTIONS=--require`) into the benchmark's processes; acts only in the dynamic-provider process.
 * It appends one JSON line per child process the provider spawns ({t, argv}) and, when the provider is stopped,
 * its peak memory ({vmHwmKiB}) to the file named by QEMU_LAB_BENCH_PROBE. No provider code is changed.
 */
"use strict";
const file = process.env.QEMU_LAB_BENCH_PROBE;
const isProvider = process.argv.some((a) => /[\\/]cmd[\\/]dynamic-provider/.test(a));
if (file && isProvider) {
  const fs = require("node:fs");
  const cp = require("node:child_process");
  const { syncBuiltinESMExports } = require("node:module");
  const log = (entry) => fs.appendFileSync(file, JSON.stringify({ pid: process.pid, t: Date.now(), ...entry }) + "\n");
  let depth = 0;
  // Why wrap every spawning function: execa uses spawn; anything else (execFile, sync variants) is counted too.
  for (const name of ["spawn", "spawnSync", "execFile", "execFileSync", "exec", "execSync", "fork"]) {
    const original = cp[name];
    cp[name] = function (command, args, ...rest) {
      // Why the depth: exec calls execFile through the exports; one process is logged once.
      if (depth === 0) log({ spawn: name, argv: Array.isArray(args) ? [String(command), ...args.map(String)] : [String(command)] });
      depth++;
      try {
        return original.call(this, command, args, ...rest);
      } finally {
        depth--;
      }
    };
  }
  syncBuiltinESMExports(); // so `import { spawn } from "node:child_process"` (execa) sees the wrappers
  const peak = () => {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : undefined;
  };
  // Optional CPU profile of the provider process (QEMU_LAB_BENCH_CPUPROF=<file.cpuprofile>), for finding where time goes.
  const profileFile = process.env.QEMU_LAB_BENCH_CPUPROF;
  let session;
  if (profileFile) {
    session = new (require("node:inspector").Session)();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.start");
  }
  // Why sample the heap: VmHWM counts garbage not yet collected; the live heap's peak tells the two apart.
  let heapPeak = 0;
  const sampleHeap = () => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  };
  setInterval(sampleHeap, 100).unref();
  let reported = false;
  const report = () => {
    if (reported) return;
    reported = true;
    sampleHeap();
    log({ vmHwmKiB: peak(), heapUsedPeakKiB: Math.round(heapPeak / 1024) });
    // Same-thread inspector sessions answer synchronously, so this finishes before exit.
    session?.post("Profiler.stop", (err, res) => {
      if (!err) fs.writeFileSync(profileFile, JSON.stringify(res.profile));
    });
  };
  process.on("exit", report);
  // The driver stops the provider with SIGTERM: record the peak, then exit as the default action would.
  process.on("SIGTERM", () => {
    report();
    process.exit(143);
  });
}
