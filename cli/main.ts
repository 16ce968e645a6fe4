#!/usr/bin/env node
/**
 * `npx qemu-lab …`: the package's command (package.json `bin`). See run.ts.
 */
import { processIo } from "./io";
import { runCli } from "./run";

void runCli(process.argv.slice(2), processIo()).then((code) => {
  // Why exitCode, not exit(): stdout may still be draining into a pipe.
  process.exitCode = code;
});
