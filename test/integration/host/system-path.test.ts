/**
 * Issue 12, defect 8: host commands are found on the system's directories, never through the inherited PATH (npm
 * puts node_modules/.bin first; a user's directory may come first too). A planted `ip` must not run as root.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";

let dir: string;
let savedPath: string | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-path-"));
  for (const name of ["ip", "planted-only"]) fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho planted > ${dir}/ran\n`, { mode: 0o755 });
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}:${savedPath}`;
});
afterEach(() => {
  process.env.PATH = savedPath;
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a planted `ip` first on PATH is not run; the system's is", async () => {
  const r = await new ExecaRunner().run(["ip", "-V"]);
  expect(r.stdout).toMatch(/iproute2/);
  expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
});

test("children run with the system PATH too (a shell script's `ip` is the system's)", async () => {
  const r = await new ExecaRunner().run(["sh", "-c", "command -v ip; echo $PATH"]);
  expect(r.stdout.split("\n")[0]).toMatch(/^\/(usr\/)?s?bin\/ip$/);
  expect(r.stdout).not.toContain(dir);
});

test("a command found only in the planted directory is not found at all", async () => {
  await expect(new ExecaRunner().run(["planted-only"])).rejects.toMatchObject({ exitCode: 127 });
  expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
});
