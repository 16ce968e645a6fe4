#!/usr/bin/env node
// In a checkout, make `require("pulumi-qemu-lab")` resolve to this package so the examples (and the
// provider shim in the provider process) load it by name, exactly as they do for an installed package.
const fs = require("node:fs");
const path = require("node:path");
const root = path.resolve(__dirname, "..");
if (root.split(path.sep).includes("node_modules")) process.exit(0); // installed as a dependency: nothing to do
const link = path.join(root, "node_modules", "pulumi-qemu-lab");
try {
  const cur = fs.readlinkSync(link);
  if (path.resolve(path.dirname(link), cur) === root) process.exit(0);
  fs.unlinkSync(link);
} catch {
  /* no link yet */
}
fs.mkdirSync(path.dirname(link), { recursive: true });
fs.symlinkSync("..", link, "dir");
