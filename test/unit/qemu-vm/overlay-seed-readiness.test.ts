import { parseQemuImgInfo, qemuImgCreateOverlayArgv, qemuImgInfoArgv, qemuImgResizeArgv } from "../../../provider/host/qemu/qemu-img";
import { overlayMismatch, shrinkProblem } from "../../../provider/host/qemu/overlay";
import { defaultMetaData, renderSeedFiles, xorrisoSeedArgv } from "../../../provider/host/qemu/cloud-init-seed";
import { describeReadiness, lastSerialLines, SerialScanner, serialMatches, tcpProbeArgv } from "../../../provider/host/qemu/readiness";
import { nicAddressesFrom } from "../../../provider/host/qemu/nic-addresses";
import { diffQemuVm } from "../../../provider/resources/qemu-vm/diff";
import { qemuVmHandler, readinessOf } from "../../../provider/resources/qemu-vm/lifecycle";
import { blockVirtualSize, overlayResizes } from "../../../provider/resources/qemu-vm/overlays";
import { hasInstanceId, type QemuVmInputs, type QemuVmState } from "../../../provider/resources/qemu-vm/schema";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";
import { makeProvider } from "../../../provider/kinds";

const check = (news: Record<string, unknown>, olds: Record<string, unknown> = {}) => qemuVmHandler.check(olds, news);
const ok = { name: "vm1", nics: [] };
const GIB = 1024 ** 3;

describe("qemu-img argv", () => {
  test.each<[string, string[], string[]]>([
    ["overlay with format and size", qemuImgCreateOverlayArgv({ path: "/v/o.qcow2", backingFile: "/b/base.img", backingFormat: "raw", sizeGiB: 20 }), ["qemu-img", "create", "-f", "qcow2", "-b", "/b/base.img", "-F", "raw", "/v/o.qcow2", "20G"]],
    ["overlay at the base's size", qemuImgCreateOverlayArgv({ path: "/v/o.qcow2", backingFile: "/b/base.qcow2", backingFormat: "qcow2" }), ["qemu-img", "create", "-f", "qcow2", "-b", "/b/base.qcow2", "-F", "qcow2", "/v/o.qcow2"]],
    ["paths with spaces and commas stay one argument", qemuImgCreateOverlayArgv({ path: "/v/a b,c.qcow2", backingFile: "/b/x y", backingFormat: "qcow2", sizeGiB: 1 }), ["qemu-img", "create", "-f", "qcow2", "-b", "/b/x y", "-F", "qcow2", "/v/a b,c.qcow2", "1G"]],
    ["info", qemuImgInfoArgv("/v/o.qcow2"), ["qemu-img", "info", "--output=json", "/v/o.qcow2"]],
    ["info of an image QEMU holds", qemuImgInfoArgv("/v/o.qcow2", { forceShare: true }), ["qemu-img", "info", "--output=json", "-U", "/v/o.qcow2"]],
    ["resize (grow only: never --shrink)", qemuImgResizeArgv("/v/o.qcow2", 30), ["qemu-img", "resize", "-f", "qcow2", "/v/o.qcow2", "30G"]],
  ])("%s", (_t, got, want) => expect(got).toEqual(want));
});

describe("qemu-img info parser", () => {
  const overlay = JSON.stringify({
    "backing-filename-format": "qcow2", "virtual-size": 67108864, filename: "ov.qcow2", "cluster-size": 65536, format: "qcow2", "actual-size": 331776,
    "format-specific": { type: "qcow2", data: { compat: "1.1" } }, "full-backing-filename": "/tmp/base.qcow2", "backing-filename": "/tmp/base.qcow2", "dirty-flag": false,
  });
  test.each<[string, string, object]>([
    ["qcow2 overlay (qemu-img 7.2 output)", overlay, { format: "qcow2", virtualSize: 67108864, backingFile: "/tmp/base.qcow2", backingFormat: "qcow2" }],
    ["raw image without backing", JSON.stringify({ "virtual-size": 1048576, filename: "/b/base.img", format: "raw", "actual-size": 4096, "dirty-flag": false }), { format: "raw", virtualSize: 1048576, backingFile: undefined, backingFormat: undefined }],
    ["relative backing: the resolved full name wins", JSON.stringify({ "virtual-size": 1, filename: "o", format: "qcow2", "backing-filename": "base.qcow2", "full-backing-filename": "/d/base.qcow2" }), { format: "qcow2", virtualSize: 1, backingFile: "/d/base.qcow2", backingFormat: undefined }],
  ])("%s", (_t, json, want) => expect(parseQemuImgInfo(json, "/x")).toEqual(want));
  test.each<[string, string, RegExp]>([
    ["not JSON", "qemu-img: Could not open", /qemu-img info \/x: output is not JSON: qemu-img: Could not open/],
    ["no format", JSON.stringify({ "virtual-size": 1, filename: "o" }), /unexpected output \(format: Required\)/],
    ["negative size", JSON.stringify({ "virtual-size": -1, filename: "o", format: "raw" }), /virtual-size: Number must be greater than or equal to 0/],
  ])("rejects %s", (_t, json, re) => expect(() => parseQemuImgInfo(json, "/x")).toThrow(re));
});

describe("overlay rules", () => {
  const spec = { path: "/v/o.qcow2", backingFile: "/b/base.qcow2" };
  test.each<[string, Parameters<typeof overlayMismatch>[1], RegExp | undefined]>([
    ["ours", { format: "qcow2", virtualSize: 1, backingFile: "/b/base.qcow2" }, undefined],
    ["backs onto another base: names both", { format: "qcow2", virtualSize: 1, backingFile: "/b/other.qcow2" }, /\/v\/o\.qcow2 already exists and is a qcow2 image backing onto \/b\/other\.qcow2, not an overlay of \/b\/base\.qcow2/],
    ["a plain raw disk", { format: "raw", virtualSize: 1 }, /is a raw image without a backing file, not an overlay of \/b\/base\.qcow2/],
  ])("%s", (_t, info, re) => {
    const m = overlayMismatch(spec, info);
    if (re) expect(m).toMatch(re);
    else expect(m).toBeUndefined();
  });
  test.each<[number, number | undefined, RegExp | undefined]>([
    [10 * GIB, undefined, undefined],
    [10 * GIB, 10, undefined],
    [10 * GIB, 12, undefined],
    [10 * GIB, 9, /is 10 GiB and sizeGiB 9 would shrink it.*raise sizeGiB to at least 10/],
    [GIB / 2, 0.25, /is 0\.50 GiB and sizeGiB 0\.25 would shrink it.*at least 1/],
  ])("%d bytes to sizeGiB %s", (bytes, size, re) => {
    const p = shrinkProblem("/v/o.qcow2", bytes, size);
    if (re) expect(p).toMatch(re);
    else expect(p).toBeUndefined();
  });
  test("block_resize verification reads query-block by drive id", () => {
    const entries = [{ device: "disk0", inserted: { image: { "virtual-size": 5 } } }, { device: "cidata", inserted: { image: { "virtual-size": 7 } } }, { device: "ide1-cd0" }];
    expect([blockVirtualSize(entries, "disk0"), blockVirtualSize(entries, "cidata"), blockVirtualSize(entries, "ide1-cd0"), blockVirtualSize(entries, "disk9")]).toEqual([5, 7, undefined, undefined]);
  });
});

describe("cloud-init seed", () => {
  test("default meta-data: instance-id = name + 12 hex digits of the data's hash, hostname = name", () => {
    const md = defaultMetaData("web", { userData: "#cloud-config\n" });
    expect(md).toMatch(/^instance-id: web-[0-9a-f]{12}\nlocal-hostname: web\n$/);
    expect(defaultMetaData("web", { userData: "#cloud-config\n" })).toBe(md); // stable
    expect(defaultMetaData("web", { userData: "#cloud-config\nx: 1\n" })).not.toBe(md); // new data, new instance
    expect(defaultMetaData("web", { userData: "#cloud-config\n", networkConfig: "version: 2\n" })).not.toBe(md);
    expect(md).not.toContain("cloud-config");
  });
  test.each<[string, Parameters<typeof renderSeedFiles>[1], string[], string | undefined]>([
    ["user-data only: default meta-data, no network-config", { userData: "U" }, ["user-data", "meta-data"], undefined],
    ["given meta-data is used verbatim", { userData: "U", metaData: "instance-id: fixed\n" }, ["user-data", "meta-data"], "instance-id: fixed\n"],
    ["network-config when given", { userData: "U", networkConfig: "version: 2\n" }, ["user-data", "meta-data", "network-config"], undefined],
  ])("%s", (_t, data, names, meta) => {
    const files = renderSeedFiles("vm1", data);
    expect(Object.keys(files)).toEqual(names);
    expect(files["user-data"]).toBe("U");
    if (meta) expect(files["meta-data"]).toBe(meta);
    else expect(files["meta-data"]).toMatch(/^instance-id: vm1-[0-9a-f]{12}\nlocal-hostname: vm1\n$/);
    if (data.networkConfig) expect(files["network-config"]).toBe(data.networkConfig);
  });
  test("xorriso argv: volume cidata, Joliet + Rock Ridge, only paths", () => {
    expect(xorrisoSeedArgv("/s/vms/a/seed.iso", "/s/vms/a/cidata.staging")).toEqual(["xorriso", "-as", "mkisofs", "-quiet", "-o", "/s/vms/a/seed.iso", "-V", "cidata", "-J", "-r", "/s/vms/a/cidata.staging"]);
  });
});

test.each<[string, boolean]>([
  ["instance-id: web-1\nlocal-hostname: web\n", true],
  ["local-hostname: web\ninstance-id: web-1\n", true],
  ['{"instance-id": "web-1", "local-hostname": "web"}', true],
  ["{ local-hostname: web, instance-id: web-1 }", true],
  ["local-hostname: web\n", false],
  ["local-hostname: web # no instance-id: here\n", false],
  ["  my-instance-id: x\n", false],
])("meta-data %j sets instance-id: %s", (md, want) => expect(hasInstanceId(md)).toBe(want));

describe("readiness", () => {
  const log = "SeaBIOS\r\nBooting\r\nQEMU-LAB-GUEST READY name=a listen=22\r\npartial";
  test.each<[string, boolean]>([
    ["QEMU-LAB-GUEST READY", true],
    ["^QEMU-LAB-GUEST READY name=a", true],
    ["listen=22$", true], // CR stripped: $ anchors the line end
    ["^Booting$", true],
    ["^partial$", true], // the unterminated last line counts
    ["READY.*Booting", false], // one line at a time
    ["^READY", false],
    ["login:", false],
  ])("/%s/ -> %s", (pattern, want) => expect(serialMatches(log, pattern)).toBe(want));
  test("only a line's first 4 KiB is matched (a long line cannot make a regex run long)", () => {
    const long = "x".repeat(5000) + "READY\n";
    expect([serialMatches(long, "READY"), serialMatches("x".repeat(4091) + "READY\n", "READY")]).toEqual([false, true]);
  });
  test("the scanner looks at each complete line once, re-tries the unterminated one, starts over on a truncated log", () => {
    const sc = new SerialScanner("^READY$");
    const seen: string[] = [];
    const test = RegExp.prototype.test;
    const spy = jest.spyOn(RegExp.prototype, "test").mockImplementation(function (this: RegExp, l: string) {
      if (this.source === "^READY$") seen.push(l);
      return test.call(this, l);
    });
    try {
      expect([sc.feed("a\nb\nRE"), sc.feed("a\nb\nREA"), sc.feed("a\nb\nREADY\nc"), sc.feed("x\n")]).toEqual([false, false, true, false]);
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual(["a", "b", "RE", "REA", "READY", "x"]); // a match ends the scan of that read
  });
  test("the last 20 lines", () => {
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\r\n") + "\r\n";
    expect(lastSerialLines(text)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 10}`));
    expect(lastSerialLines("")).toEqual([]);
  });
  test("what is waited for, in words", () => {
    expect(describeReadiness({ serialPattern: "x", tcp: { host: "10.0.0.2", port: 22, expectData: true }, timeoutSeconds: 1 })).toBe("serial line matching /x/ and TCP 10.0.0.2:22 accepting and sending");
  });
  test("the TCP probe: host and port are arguments, never script text; a byte only when asked", () => {
    const argv = tcpProbeArgv("10.0.0.2", 22, false, 500);
    expect(argv.slice(0, 4)).toEqual(["timeout", "0.500", "bash", "-c"]);
    expect(argv.slice(5)).toEqual(["probe", "10.0.0.2", "22", "0"]);
    expect(tcpProbeArgv("10.0.0.2", 22, true, 2000).slice(1, 2).concat(tcpProbeArgv("10.0.0.2", 22, true, 2000).slice(-1))).toEqual(["2.000", "1"]);
  });
  test("a TCP target that is one of the VM's own forwards needs a byte from the guest (QEMU accepts first)", () => {
    const i = check({ ...ok, nics: [{ type: "user", hostForwards: [{ hostPort: 2222, guestPort: 22 }] }], readiness: { tcp: { host: "127.0.0.1", port: 2222 } } }).inputs;
    expect(readinessOf(i)).toEqual({ serialPattern: undefined, tcp: { host: "127.0.0.1", port: 2222, expectData: true }, timeoutSeconds: 120 });
    const j = check({ ...ok, nics: [{ type: "bridge", bridge: "br0" }], readiness: { tcp: { host: "10.0.0.2", port: 22 }, timeoutSeconds: 5 } }).inputs;
    expect(readinessOf(j)).toEqual({ serialPattern: undefined, tcp: { host: "10.0.0.2", port: 22, expectData: false }, timeoutSeconds: 5 });
  });
  test.each<[string, boolean, boolean | undefined, boolean]>([
    ["own forward, default: a byte", true, undefined, true],
    ["own forward, expectData false: a connection (QEMU's accept counts)", true, false, false],
    ["bridge address, default: a connection", false, undefined, false],
    ["bridge address, expectData true: a byte (an SSH banner)", false, true, true],
  ])("tcp.expectData: %s", (_t, viaForward, expectData, want) => {
    const nics = viaForward ? [{ type: "user", hostForwards: [{ hostPort: 2222, guestPort: 22 }] }] : [{ type: "bridge", bridge: "br0" }];
    const i = check({ ...ok, nics, readiness: { tcp: { host: viaForward ? "127.0.0.1" : "10.0.0.2", port: viaForward ? 2222 : 22, expectData } } });
    expect(i.failures).toEqual([]);
    expect(readinessOf(i.inputs)?.tcp?.expectData).toBe(want);
  });
});

test("addresses per NIC: slirp's first lease for user NICs, the DHCP store's for bridge NICs, [] when unknown", () => {
  const byMac = new Map([["52:54:00:00:00:02", ["192.168.122.10"]]]);
  expect(nicAddressesFrom([{ type: "user" }, { type: "bridge", mac: "52:54:00:00:00:02" }, { type: "bridge", mac: "52:54:00:00:00:03" }], byMac)).toEqual([["10.0.2.15"], ["192.168.122.10"], []]);
});

describe("QemuVm check: overlays, cloudInit, readiness", () => {
  test("an overlay disk defaults to qcow2 and keepOnDelete false", () => {
    const r = check({ ...ok, disks: [{ path: "/v/o.qcow2", overlay: { backingFile: "/b/base.qcow2", sizeGiB: 20 } }] });
    expect(r.failures).toEqual([]);
    expect(r.inputs.disks).toEqual([{ path: "/v/o.qcow2", format: "qcow2", readOnly: false, interface: "virtio", keepOnDelete: false, overlay: { backingFile: "/b/base.qcow2", sizeGiB: 20 } }]);
  });
  test.each<[string, Record<string, unknown>, Array<[string, RegExp]>]>([
    ["overlay with a raw format", { ...ok, disks: [{ path: "/v/o", format: "raw", overlay: { backingFile: "/b/base" } }] }, [["disks[0].format", /must be "qcow2"/]]],
    ["overlay onto itself", { ...ok, disks: [{ path: "/v/o", overlay: { backingFile: "/v/o" } }] }, [["disks[0].overlay.backingFile", /must differ/]]],
    ["keepOnDelete on a plain disk", { ...ok, disks: [{ path: "/v/d", keepOnDelete: true }] }, [["disks[0].keepOnDelete", /only to overlay disks/]]],
    ["two disks on one file", { ...ok, disks: [{ path: "/v/d" }, { path: "/v/d" }] }, [["disks[1].path", /duplicates the path of disks\[0\]/]]],
    ["relative base, bad base format, zero and fractional sizes", { ...ok, disks: [{ path: "/v/o", overlay: { backingFile: "b", backingFormat: "iso", sizeGiB: 0 } }, { path: "/v/p", overlay: { backingFile: "/b", sizeGiB: 1.5 } }] }, [
      ["disks[0].overlay.backingFile", /absolute/], ["disks[0].overlay.backingFormat", /raw/], ["disks[0].overlay.sizeGiB", /at least 1/], ["disks[1].overlay.sizeGiB", /whole number/],
    ]],
    ["a disk inside the VM's state dir (cleared on every start)", { ...ok, host: { stateDir: "/s" }, disks: [{ path: "/s/vms/vm1/disk.qcow2", overlay: { backingFile: "/b" } }, { path: "/s/vms/vm10/d" }] }, [["disks[0].path", /must not be inside the VM's state dir \/s\/vms\/vm1\//]]],
    ["unknown overlay key", { ...ok, disks: [{ path: "/v/o", overlay: { backingFile: "/b", size: 3 } }] }, [["disks[0].overlay", /Unrecognized key.*size/]]],
    ["cloudInit without userData", { ...ok, cloudInit: { metaData: "instance-id: x" } }, [["cloudInit.userData", /is required/]]],
    ["metaData without instance-id (cloud-init would take \"nocloud\" for every seed)", { ...ok, cloudInit: { userData: "U", metaData: "local-hostname: web\n" } }, [["cloudInit.metaData", /must set instance-id .*"nocloud" for every seed.*leave metaData out/]]],
    ["a base inside the VM's state dir", { ...ok, host: { stateDir: "/s" }, disks: [{ path: "/v/o", overlay: { backingFile: "/s/vms/vm1/base.img" } }] }, [["disks[0].overlay.backingFile", /must not be inside the VM's state dir \/s\/vms\/vm1\//]]],
    ["one disk's overlay as another's base", { ...ok, disks: [{ path: "/v/o", overlay: { backingFile: "/b/base" } }, { path: "/v/p", overlay: { backingFile: "/v/o" } }] }, [["disks[1].overlay.backingFile", /is the path of disks\[0\], which the guest writes/]]],
    ["an overlay as a CD-ROM", { ...ok, disks: [{ path: "/v/o", overlay: { backingFile: "/b/base" } }], cdroms: ["/v/iso", "/v/o"] }, [["cdroms[1]", /is the path of disks\[0\] \(two drives on one image corrupt it\)/]]],
    ["cloudInit userData not a string, unknown key", { ...ok, cloudInit: { userData: 5, vendorData: "" } }, [["cloudInit.userData", /must be a string/], ["cloudInit", /Unrecognized key.*vendorData/]]],
    ["readiness with nothing to wait for", { ...ok, readiness: { timeoutSeconds: 5 } }, [["readiness", /serialPattern, tcp or both/]]],
    ["readiness pattern that does not compile", { ...ok, readiness: { serialPattern: "READY (" } }, [["readiness.serialPattern", /not a valid JavaScript regular expression.*Unterminated group.*escape/]]],
    ["readiness tcp host and port, timeout", { ...ok, readiness: { tcp: { host: "guest", port: 0 }, timeoutSeconds: 0 } }, [["readiness.tcp.host", /IPv4/], ["readiness.tcp.port", /between 1 and 65535/], ["readiness.timeoutSeconds", /1–3600/]]],
  ])("%s", (_t, news, expected) => {
    const r = check(news);
    expect(r.failures.map((f) => f.property)).toEqual(expected.map(([p]) => p));
    r.failures.forEach((f, i) => expect(f.reason).toMatch(expected[i]![1]));
  });

  test("a shrink fails at check when the previous inputs are known; a grow does not", () => {
    const disk = (sizeGiB?: number) => ({ path: "/v/o", overlay: { backingFile: "/b/base", sizeGiB } });
    const olds = check({ ...ok, disks: [{ path: "/v/plain" }, disk(20)] }).inputs;
    const shrunk = check({ ...ok, disks: [{ path: "/v/plain" }, disk(10)] }, olds as unknown as Record<string, unknown>);
    expect(shrunk.failures).toEqual([{ property: "disks[1].overlay.sizeGiB", reason: expect.stringMatching(/would shrink \/v\/o from 20 to 10 GiB: overlays are only grown/) }]);
    expect(check({ ...ok, disks: [{ path: "/v/plain" }, disk(30)] }, olds as unknown as Record<string, unknown>).failures).toEqual([]);
    expect(check({ ...ok, disks: [{ path: "/v/plain" }, disk(10)] }).failures).toEqual([]); // first create: nothing to compare
  });
});

describe("QemuVm diff: overlays, cloudInit, readiness", () => {
  const inputs = check({
    ...ok,
    kernel: "/k",
    disks: [{ path: "/v/o", overlay: { backingFile: "/b/base", sizeGiB: 10 } }],
    cloudInit: { userData: "#!/bin/sh\necho hi\n" },
    readiness: { serialPattern: "READY" },
  }).inputs;
  const state: QemuVmState = { ...inputs, instanceId: "i", pid: 1, qmpSocket: "/s", serialLog: "/l", macs: [], ipAddresses: [], missingOverlays: [], status: "running" };
  const diskWith = (over: Record<string, unknown>, overlay: Record<string, unknown> = {}) => [{ ...inputs.disks[0]!, ...over, overlay: { ...inputs.disks[0]!.overlay!, ...overlay } }];
  test.each<[string, Partial<QemuVmInputs>, Partial<QemuVmState>, string[], string[]]>([
    ["no change", {}, {}, [], []],
    ["overlay grown: in place", { disks: diskWith({}, { sizeGiB: 20 }) }, {}, ["disks"], []],
    ["overlay shrink: an update that update refuses (check refuses first)", { disks: diskWith({}, { sizeGiB: 5 }) }, {}, ["disks"], []],
    ["keepOnDelete: in place", { disks: diskWith({ keepOnDelete: true }) }, {}, ["disks"], []],
    ["a state from before keepOnDelete existed: no change", {}, { disks: [{ ...inputs.disks[0]!, keepOnDelete: undefined as unknown as boolean }] }, [], []],
    ["another base: replace", { disks: diskWith({}, { backingFile: "/b/other" }) }, {}, [], ["disks"]],
    ["another path: replace", { disks: diskWith({ path: "/v/p" }) }, {}, [], ["disks"]],
    ["cloudInit user-data: replace (a new instance for cloud-init)", { cloudInit: { userData: "#!/bin/sh\necho bye\n" } }, {}, [], ["cloudInit"]],
    ["cloudInit removed: replace", { cloudInit: undefined }, {}, [], ["cloudInit"]],
    ["readiness: in place (only used when QEMU starts)", { readiness: { serialPattern: "login:", timeoutSeconds: 60 } }, {}, ["readiness"], []],
    ["readiness removed: in place", { readiness: undefined }, {}, ["readiness"], []],
    ["overlay missing on a running VM: replace (QEMU writes to the unlinked file)", {}, { missingOverlays: ["/v/o"] }, [], ["disks"]],
    ["overlay missing on a stopped VM: the start recreates it", {}, { missingOverlays: ["/v/o"], status: "stopped" }, ["status"], []],
    ["overlay missing on a paused VM: replace (update would resume a QEMU writing to the unlinked file)", {}, { missingOverlays: ["/v/o"], status: "paused" }, ["status"], ["disks"]],
    ["overlay missing on a suspended VM: replace", {}, { missingOverlays: ["/v/o"], status: "suspended" }, ["status"], ["disks"]],
    ["overlay missing on a crashed guest: the restart (a new QEMU) recreates it", {}, { missingOverlays: ["/v/o"], status: "internal-error" }, ["status"], []],
    ["overlay missing on an orphan: the restart recreates it", {}, { missingOverlays: ["/v/o"], status: "orphaned" }, ["status"], []],
  ])("%s", (_t, newOver, oldOver, updates, replaces) => {
    const d = diffQemuVm({ ...state, ...oldOver }, { ...inputs, ...newOver });
    expect(d).toEqual({ changes: updates.length + replaces.length > 0, updates, replaces, deleteBeforeReplace: replaces.length > 0 });
  });
  test.each<[string, number | undefined, number | undefined, string]>([
    ["grow", 10, 20, "grow"],
    ["first size given", undefined, 20, "grow"],
    ["shrink", 20, 10, "shrink"],
    ["size removed: nothing to do", 20, undefined, "none"],
  ])("overlayResizes: %s", (_t, from, to, kind) => {
    const d = (sizeGiB?: number) => [{ path: "/v/o", readOnly: false, interface: "virtio" as const, keepOnDelete: false, overlay: { backingFile: "/b", sizeGiB } }];
    const r = overlayResizes(d(from), d(to));
    expect(r.grow.length ? "grow" : r.shrink.length ? "shrink" : "none").toBe(kind);
  });
});

describe("the user-data secret never leaks", () => {
  const SECRET = "#!/bin/sh\necho s3cr3t-pa55word-XYZ\n";
  test("not in check failures", () => {
    const r = check({ ...ok, memoryMiB: 1, cloudInit: { userData: SECRET + "x".repeat(1024 * 1024), metaData: 7 } });
    expect(r.failures.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.failures)).not.toContain("s3cr3t");
  });
  test("not in the error of a failed seed build, nor in any command's argv", async () => {
    const runner = new FakeRunner().on(/^xorriso /, { exitCode: 5, stderr: "xorriso : FAILURE : Cannot write" });
    const p = makeProvider("QemuVm", testContext(runner));
    const dir = `/tmp/qvm-unit-${process.pid}-${Date.now()}`;
    const { mkdirSync, rmSync, readdirSync } = await import("node:fs");
    mkdirSync(dir, { mode: 0o700 });
    try {
      const checked = await p.check!({}, { ...ok, accel: "tcg", cloudInit: { userData: SECRET }, host: { stateDir: dir } });
      expect(checked.failures).toEqual([]);
      const err = await p.create(checked.inputs).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/building the cloud-init seed .*seed\.iso failed: command failed with exit code 5: xorriso -as mkisofs.*Cannot write/s);
      expect(err?.message).not.toContain("s3cr3t");
      expect(String(err?.stack)).not.toContain("s3cr3t");
      expect(runner.commands().join("\n")).not.toContain("s3cr3t");
      expect(readdirSync(`${dir}/vms`)).toEqual([]); // the failed start left nothing, not even the staged files
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("not in the error of a QEMU that refuses to start (its argv names the seed's path only)", async () => {
    const runner = new FakeRunner().on(/^qemu-system-x86_64 /, { exitCode: 1, stderr: "qemu-system-x86_64: -drive id=cidata: Could not open" });
    const p = makeProvider("QemuVm", testContext(runner));
    const dir = `/tmp/qvm-unit-${process.pid}-${Date.now()}-q`;
    const { mkdirSync, rmSync } = await import("node:fs");
    mkdirSync(dir, { mode: 0o700 });
    try {
      const checked = await p.check!({}, { ...ok, accel: "tcg", cloudInit: { userData: SECRET, metaData: `instance-id: ${SECRET}\n` }, host: { stateDir: dir } });
      const err = await p.create(checked.inputs).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(/QEMU refused to start: .*-drive id=cidata,file=.*seed\.iso,format=raw,if=virtio,readonly=on/s);
      expect(err?.message).not.toContain("s3cr3t");
      expect(runner.commands().join("\n")).not.toContain("s3cr3t");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
