/**
 * Issue 12, defect 7: a bridge.conf reached through a symlink is edited in its target — the link stays a link, the
 * target keeps its owner and mode — and every spelling of one file shares one lock. Real files, re-read with fs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { makeProvider } from "../../../provider/kinds";
import { record } from "../../support/reliability";
import { checkAndCreate, testContext } from "../../support/provider-harness";

let dir: string;
let real: string;
let link: string;
const FOREIGN = "# managed by hand\r\nallow  lan0 \ndeny br9";

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-acl-link-"));
  fs.mkdirSync(path.join(dir, "shared"));
  fs.mkdirSync(path.join(dir, "etc", "qemu"), { recursive: true });
  real = path.join(dir, "shared", "bridge.conf");
  link = path.join(dir, "etc", "qemu", "bridge.conf");
  fs.writeFileSync(real, FOREIGN + "\n", { mode: 0o640 });
  fs.chmodSync(real, 0o640);
  fs.chownSync(real, 4242, 4343);
  fs.symlinkSync("../../shared/bridge.conf", link);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test("an ACL through a symlinked bridge.conf: the link stays, the target gets the line with its owner and mode kept", async () => {
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { bridge: "br0", confPath: link, __resourceName: "acl" });
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.readlinkSync(link)).toBe("../../shared/bridge.conf");
  const st = fs.statSync(real);
  expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([4242, 4343, 0o640]);
  const text = fs.readFileSync(real, "utf8");
  expect(text.startsWith(FOREIGN + "\n")).toBe(true);
  expect(text.split("\n").filter((l) => l === "allow br0")).toHaveLength(1);
  await p.delete!(id, outs);
  expect(fs.readFileSync(real, "utf8")).toBe(FOREIGN + "\n");
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.statSync(real).uid).toBe(4242);
  record({ section: "file-modes", subject: "bridge.conf reached through a symlink", linkKept: true, owner: "4242:4343", mode: "0640" });
});

test("three spellings of one file, 45 concurrent creates: one lock, every line exactly once, foreign lines intact", async () => {
  const spellings = [link, path.join(dir, "etc", "qemu", ".", "bridge.conf"), real];
  const creates = Array.from({ length: 45 }, (_, i) =>
    checkAndCreate(makeProvider("BridgeAcl", testContext()), { bridge: `br${i}`, confPath: spellings[i % 3], __resourceName: `acl${i}` }),
  );
  await Promise.all(creates);
  const lines = fs.readFileSync(real, "utf8").split("\n");
  expect(lines.slice(0, 3).join("\n")).toBe(FOREIGN);
  for (let i = 0; i < 45; i++) expect(lines.filter((l) => l === `allow br${i}`)).toHaveLength(1);
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
});
