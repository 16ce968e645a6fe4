/**
 * Installed copies of this package for upgrade tests: a build of an earlier release from git history, and a copy
 * of this checkout whose provider records every read, update and delete ("this version, traced"). A program folder
 * links one of them as its `node_modules/pulumi-qemu-lab`, as `npm install` would; the checkout is never modified.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./lab-stack";

/** The last landed release before this one (stop 7's landing); move it forward with each release. */
export const PREVIOUS_RELEASE = "c9ea1a5";

/** Appended to a copy's dist/provider/index.js: wraps every provider so read, update and delete leave a trace. */
function tracePatch(marker: string): string {
  return `
// --- test copy: every read, update and delete is recorded ---
const __untraced = exports.getProvider;
exports.getProvider = function (kind) {
  const p = __untraced(kind);
  const mark = (what, id) => require("node:fs").appendFileSync(${JSON.stringify(marker)}, what + " " + kind + " " + id + "\\n");
  return Object.assign({}, p, {
    read: (id, props) => (mark("read", id), p.read(id, props)),
    update: (id, olds, news) => (mark("update", id), p.update(id, olds, news)),
    delete: (id, props) => (mark("delete", id), p.delete(id, props)),
  });
};
`;
}

/** A copy of this checkout's package (package.json + dist) at `dest` that records provider calls in `marker`. */
export function tracedCopy(dest: string, marker: string): string {
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(dest, "package.json"));
  fs.cpSync(path.join(ROOT, "dist"), path.join(dest, "dist"), { recursive: true });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"), "dir"); // its dependencies
  fs.appendFileSync(path.join(dest, "dist", "provider", "index.js"), tracePatch(marker));
  return dest;
}

/** The package as released at `ref`, built at `dest` (its sources from git, compiled with this checkout's tsc). */
export function releaseBuild(ref: string, dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  const archive = execFileSync("git", ["-C", ROOT, "archive", "--format=tar", ref], { maxBuffer: 256 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", dest], { input: archive });
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dest, "node_modules"), "dir");
  execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: dest, stdio: "pipe" });
  return dest;
}

/** A program folder as a user has it: the fixture's files, and its own node_modules with @pulumi and the package. */
export function programFolder(fixture: string, dest: string, installed: string): { dir: string; install(pkg: string): void } {
  const modules = path.join(dest, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  for (const f of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, f), path.join(dest, f));
  fs.symlinkSync(path.join(ROOT, "node_modules", "@pulumi"), path.join(modules, "@pulumi"), "dir");
  const link = path.join(modules, "pulumi-qemu-lab");
  const install = (pkg: string) => {
    fs.rmSync(link, { force: true });
    fs.symlinkSync(pkg, link, "dir");
  };
  install(installed);
  return { dir: dest, install };
}
