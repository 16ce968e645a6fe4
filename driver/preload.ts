/**
 * A `--require` preload for the program process that works around a Node 20 `util.inspect` bug: with
 * `colors: true`, an error whose stack has a frame like `node_modules/@pulumi/resource.ts` (what source-map-support
 * makes of `@pulumi/pulumi` frames) makes inspect spin ~30 s and throw "Invalid string length". cmd/run formats
 * every uncaught program error that way, so each failed registration would stall the program for 30–60 s.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SOURCE = `"use strict";
// Written by the pulumi-qemu-lab lifecycle driver: inspect Errors without colors (Node 20 markNodeModules bug).
const util = require("util");
const original = util.inspect;
function guardedInspect(value, options) {
  if (value instanceof Error && options && typeof options === "object" && options.colors) {
    return original.call(this, value, Object.assign({}, options, { colors: false }));
  }
  return original.apply(this, arguments);
}
Object.defineProperties(guardedInspect, Object.getOwnPropertyDescriptors(original));
util.inspect = guardedInspect;
`;

let cached: string | undefined;

/** Path of the preload file (written once per content version into the temp folder). */
export function inspectGuardPreload(): string {
  if (cached && fs.existsSync(cached)) return cached;
  const hash = crypto.createHash("sha256").update(SOURCE).digest("hex").slice(0, 12);
  const dir = path.join(os.tmpdir(), "pulumi-lifecycle-driver");
  const file = path.join(dir, `inspect-guard-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, SOURCE);
    fs.renameSync(tmp, file);
  }
  cached = file;
  return file;
}

/** NODE_OPTIONS with the preload added (quoted, so a temp path with spaces survives). */
export function withInspectGuard(nodeOptions: string | undefined): string {
  const flag = `--require "${inspectGuardPreload()}"`;
  return nodeOptions ? `${nodeOptions} ${flag}` : flag;
}
