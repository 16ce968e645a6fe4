/**
 * `ensureDir` gives the leaf its mode and the parents it creates 0755: a private VM dir (0700) made first must not
 * leave the stateDir above it 0700, which would shut out dnsmasq (it reads its files there as user dnsmasq).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalFiles } from "../../../provider/host/files/local-files";

test("a 0700 leaf under new parents: the parents are 0755, the leaf 0700; an existing dir is kept as it is", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-ensure-"));
  const old = process.umask(0o022);
  try {
    const files = new LocalFiles();
    const leaf = path.join(root, "state", "vms", "web");
    await files.ensureDir(leaf, 0o700);
    const mode = (p: string) => fs.statSync(p).mode & 0o777;
    expect([mode(path.join(root, "state")), mode(path.join(root, "state", "vms")), mode(leaf)]).toEqual([0o755, 0o755, 0o700]);
    await files.ensureDir(leaf, 0o755); // exists: left alone
    expect(mode(leaf)).toBe(0o700);
  } finally {
    process.umask(old);
    fs.rmSync(root, { recursive: true, force: true });
  }
});
