import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkBridgeAccess, defaultAclPath } from "../../../provider/host/acl";
import { LocalFiles } from "../../../provider/host/files/local-files";
import { markerLine } from "../../../provider/host/acl/owned-entries";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { linksIn, sh, TestNamespaces } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";

const HELPER = "/usr/lib/qemu/qemu-bridge-helper";
const namespaces = new TestNamespaces();
let ns: string;
let tmp: string;

beforeAll(() => {
  ns = namespaces.create("qacl");
  sh(["ip", "-n", ns, "link", "add", "brq", "type", "bridge"]);
  sh(["ip", "-n", ns, "link", "set", "brq", "up"]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-aclns-"));
});
afterAll(() => {
  namespaces.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Run the real helper in the namespace; an fd it cannot write to makes it stop right after the ACL check and tap
 * setup. Only the helper's own messages count: a missing helper or any other failure fails the test, never "denied".
 */
function helperVerdict(): { allowed: boolean; unparsable: boolean; stderr: string } {
  if (!fs.existsSync(HELPER)) throw new Error(`${HELPER} is missing: this test compares with the real helper`);
  let stderr = "";
  try {
    execFileSync("ip", ["netns", "exec", ns, HELPER, "--br=brq", "--fd=99"], { stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
  } catch (e) {
    stderr = String((e as { stderr?: Buffer }).stderr ?? "");
  }
  // Past the ACL the helper fails only on our bogus fd: that is "allowed".
  if (/failed to write fd to unix socket/.test(stderr)) return { allowed: true, unparsable: false, stderr };
  if (/access denied by acl file/.test(stderr)) return { allowed: false, unparsable: false, stderr };
  if (/failed to parse/.test(stderr)) return { allowed: false, unparsable: true, stderr };
  throw new Error(`the helper neither allowed nor denied (stderr: ${JSON.stringify(stderr)})`);
}

const tapsIn = () => linksIn(ns).filter((l) => l.linkinfo?.info_kind === "tun");

test("default file for a namespace is the one `ip netns exec` shows the helper as /etc/qemu/bridge.conf", async () => {
  fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  const p = makeProvider("BridgeAcl", testContext());
  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "brq", host: { netns: ns } });
  try {
    expect(outs.confPath).toBe(`/etc/netns/${ns}/qemu/bridge.conf`);
    expect(outs.confPath).toBe(defaultAclPath(ns));
    expect(fs.statSync("/etc/qemu").isDirectory()).toBe(true); // the bind mount point exists
    const seen = execFileSync("ip", ["netns", "exec", ns, "cat", "/etc/qemu/bridge.conf"], { encoding: "utf8" });
    expect(seen).toBe(`${markerLine(id, "brq")}\nallow brq\n`);
  } finally {
    await p.delete!(id, outs);
  }
  expect(fs.readFileSync(defaultAclPath(ns), "utf8")).toBe("");
});

describe("our evaluation agrees with the real qemu-bridge-helper", () => {
  test.each<[string, string | undefined]>([
    ["no file", undefined],
    ["no entry", "# nothing here\n"],
    ["allow", "allow brq\n"],
    ["tab separator, CRLF", "allow\tbrq\r\n"],
    ["trailing comment makes it another name", "allow brq # x\n"],
    ["deny wins regardless of order", "deny brq\nallow brq\n"],
    ["deny all", "allow brq\ndeny all\n"],
    ["allow all", "allow all\n"],
    ["broken line fails the file", "allow brq\nbogus\n"],
    ["include from the namespace's /etc/qemu", "include /etc/qemu/extra.conf\n"],
    ["broken include ignored, rules before the error kept", "include /etc/qemu/broken.conf\n"],
  ])("%s", async (_n, text) => {
    const dir = `/etc/netns/${ns}/qemu`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/extra.conf`, "allow brq\n");
    fs.writeFileSync(`${dir}/broken.conf`, "allow brq\nbad line\ndeny brq\n");
    if (text === undefined) fs.rmSync(`${dir}/bridge.conf`, { force: true });
    else fs.writeFileSync(`${dir}/bridge.conf`, text);
    const ours = await checkBridgeAccess(new LocalFiles(), defaultAclPath(ns), "brq");
    const real = helperVerdict();
    expect(ours.allowed).toBe(real.allowed);
    // The reason agrees too: the helper failing to parse its file is what our detail says, and only then.
    expect(/does not exist|rejects/.test(ours.detail)).toBe(real.unparsable);
    expect(tapsIn()).toEqual([]); // the helper's tap dies with it
  });
});

test("-netdev bridge: denied without an entry, works after BridgeAcl create; no tap left after QEMU is killed", async () => {
  fs.writeFileSync(defaultAclPath(ns), "# site\ndeny all\n");
  const pidfile = path.join(tmp, "qemu.pid");
  const qemu = () =>
    execFileSync(
      "ip",
      ["netns", "exec", ns, "qemu-system-x86_64", "-accel", "tcg", "-machine", "none", "-display", "none", "-nodefaults", "-S",
        "-netdev", "bridge,id=n0,br=brq", "-daemonize", "-pidfile", pidfile],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 },
    );
  const p = makeProvider("BridgeAcl", testContext());

  // deny all: even our allow is overridden, and we say so.
  const blocked = await checkAndCreate(p, { __resourceName: "acl", bridge: "brq", host: { netns: ns } });
  expect(blocked.outs.warnings).toContain(`\`allow brq\` has no effect: \`deny all\` (${defaultAclPath(ns)}:2) overrides it (the helper lets deny win over allow)`);
  expect(() => qemu()).toThrow(/access denied by acl file/);
  await p.delete!(blocked.id, blocked.outs);

  fs.writeFileSync(defaultAclPath(ns), "# site\n");
  expect(() => qemu()).toThrow(/access denied by acl file/);

  const { id, outs } = await checkAndCreate(p, { __resourceName: "acl", bridge: "brq", host: { netns: ns } });
  let pid: number | undefined;
  try {
    qemu();
    pid = Number(fs.readFileSync(pidfile, "utf8").trim());
    const taps = tapsIn();
    expect(taps).toHaveLength(1);
    expect(taps[0]!.master).toBe("brq");
  } finally {
    if (pid) {
      process.kill(pid, "SIGKILL");
      for (let i = 0; i < 500 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 10));
    }
    await p.delete!(id, outs);
  }
  expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  expect(tapsIn()).toEqual([]);
  expect(fs.readFileSync(defaultAclPath(ns), "utf8")).toBe("# site\n");
});
