import { decideAccess, type CollectedAcl } from "../../../provider/host/acl/access";
import { aclWarnings } from "../../../provider/host/acl/acl-warnings";
import { helperWarning, inspectHelper, type HelperStatus } from "../../../provider/host/acl/helper-binary";
import { MemoryFiles } from "../../support/memory-files";

const F = "/etc/qemu/bridge.conf";
const OK: HelperStatus = { state: "ok", path: "/usr/lib/qemu/qemu-bridge-helper", mode: 0o4755, uid: 0 };

function warn(action: "allow" | "deny", bridge: string, acl: CollectedAcl, extra: { netns?: string; confPath?: string; helper?: HelperStatus } = {}) {
  return aclWarnings({ action, bridge, confPath: extra.confPath ?? F, netns: extra.netns, acl, decision: decideAccess(acl.rules, bridge), helper: extra.helper ?? OK, ownLine: 2 });
}

test.each<[string, "allow" | "deny", string, CollectedAcl, Parameters<typeof warn>[3], string[]]>([
  ["clean allow", "allow", "br0", { rules: [{ type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] }, {}, []],
  [
    "deny for the same bridge overrides our allow",
    "allow",
    "br0",
    { rules: [{ type: "deny", bridge: "br0", file: F, line: 1 }, { type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    {},
    ["`allow br0` has no effect: `deny br0` (/etc/qemu/bridge.conf:1) overrides it (the helper lets deny win over allow)"],
  ],
  [
    "deny all overrides our allow",
    "allow",
    "br0",
    { rules: [{ type: "deny-all", file: F, line: 1 }, { type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    {},
    ["`allow br0` has no effect: `deny all` (/etc/qemu/bridge.conf:1) overrides it (the helper lets deny win over allow)"],
  ],
  [
    "a foreign line grants the same access",
    "allow",
    "br0",
    { rules: [{ type: "allow", bridge: "br0", file: "/etc/qemu/site.conf", line: 4 }, { type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    {},
    ["also allowed by `allow br0` (/etc/qemu/site.conf:4), which this resource does not manage: deleting it leaves that in place"],
  ],
  [
    "our own line and allow all are not reported as foreign duplicates",
    "allow",
    "br0",
    { rules: [{ type: "allow-all", file: F, line: 1 }, { type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    {},
    [],
  ],
  ["a deny entry is not warned about other denies", "deny", "br0", { rules: [{ type: "deny-all", file: F, line: 1 }], notes: [] }, {}, []],
  [
    "allow all",
    "allow",
    "all",
    { rules: [{ type: "allow-all", file: F, line: 1 }], notes: [] },
    {},
    ["`allow all` lets every local user attach VMs to every bridge on this host through qemu-bridge-helper; prefer one entry per bridge"],
  ],
  ["deny all", "deny", "all", { rules: [{ type: "deny-all", file: F, line: 1 }], notes: [] }, {}, ["`deny all` denies every bridge in this file, overriding every allow (deny wins over allow)"]],
  [
    "broken file",
    "allow",
    "br0",
    { rules: [], notes: [], fatal: "qemu-bridge-helper rejects /etc/qemu/bridge.conf: /etc/qemu/bridge.conf:1: Unknown command `x'" },
    {},
    ["qemu-bridge-helper rejects /etc/qemu/bridge.conf: /etc/qemu/bridge.conf:1: Unknown command `x': every bridge is denied until that is fixed"],
  ],
  [
    "helper not setuid",
    "allow",
    "br0",
    { rules: [{ type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    { helper: { state: "not-setuid", path: "/usr/lib/qemu/qemu-bridge-helper", mode: 0o755, uid: 0 } },
    [
      "/usr/lib/qemu/qemu-bridge-helper is not setuid root (mode 0755, owner uid 0): only root can use -netdev bridge; for other users run `chown root /usr/lib/qemu/qemu-bridge-helper && chmod u+s /usr/lib/qemu/qemu-bridge-helper`",
    ],
  ],
  [
    "confPath outside the namespace's overlay",
    "allow",
    "br0",
    { rules: [{ type: "allow", bridge: "br0", file: F, line: 2 }], notes: [] },
    { netns: "n1" },
    ['host.netns is "n1" but confPath is /etc/qemu/bridge.conf: a helper run in that namespace reads /etc/netns/n1/qemu/bridge.conf once /etc/netns/n1/qemu exists'],
  ],
])("%s", (_n, action, bridge, acl, extra, expected) => {
  expect(warn(action, bridge, acl, extra)).toEqual(expected);
});

describe("inspectHelper", () => {
  test.each<[string, Record<string, { mode: number; uid: number }>, HelperStatus]>([
    ["missing", {}, { state: "missing" }],
    ["setuid root (Debian path)", { "/usr/lib/qemu/qemu-bridge-helper": { mode: 0o104755, uid: 0 } }, OK],
    ["not setuid", { "/usr/lib/qemu/qemu-bridge-helper": { mode: 0o100755, uid: 0 } }, { state: "not-setuid", path: "/usr/lib/qemu/qemu-bridge-helper", mode: 0o755, uid: 0 }],
    ["setuid but not root-owned", { "/usr/libexec/qemu-bridge-helper": { mode: 0o104755, uid: 1000 } }, { state: "not-setuid", path: "/usr/libexec/qemu-bridge-helper", mode: 0o4755, uid: 1000 }],
  ])("%s", async (_n, modes, expected) => {
    expect(await inspectHelper(new MemoryFiles({}, modes))).toEqual(expected);
  });

  test("missing helper warning names where we looked", () => {
    expect(helperWarning({ state: "missing" })).toMatch(/^qemu-bridge-helper not found \(looked in \/usr\/lib\/qemu\/qemu-bridge-helper, /);
    expect(helperWarning(OK)).toBeUndefined();
  });
});
