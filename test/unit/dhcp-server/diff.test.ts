import { diffDhcpServer, needsRestart } from "../../../provider/resources/dhcp-server/diff";
import type { DhcpServerInputs, DhcpServerState } from "../../../provider/resources/dhcp-server/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const inputs: DhcpServerInputs = {
  name: "d1", bridge: "br0", network: "10.0.0.0/24", range: { start: "10.0.0.100", end: "10.0.0.199" }, leaseTime: 3600, router: "10.0.0.1", dnsDomain: "lab",
  staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5", hostname: "web" }], host: { netns: "ns1" },
};
const state: DhcpServerState = { ...inputs, leases: [], pid: 123, leaseFile: "/var/lib/qemu-lab/dhcp/d1/leases", status: "running" };
const none = { changes: false, updates: [], replaces: [], deleteBeforeReplace: false };

describe("DhcpServer diff", () => {
  test.each<[string, Partial<DhcpServerState>, Partial<DhcpServerInputs>, { updates: string[]; replaces: string[] }, boolean]>([
    ["nothing changed", {}, {}, { updates: [], replaces: [] }, false],
    ["static leases: update (live, SIGHUP)", {}, { staticLeases: [] }, { updates: ["staticLeases"], replaces: [] }, false],
    ["a static lease's hostname: update", {}, { staticLeases: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5" }] }, { updates: ["staticLeases"], replaces: [] }, false],
    ["range: update (restart)", {}, { range: { start: "10.0.0.100", end: "10.0.0.150" } }, { updates: ["range"], replaces: [] }, true],
    ["leaseTime: update (restart)", {}, { leaseTime: "infinite" }, { updates: ["leaseTime"], replaces: [] }, true],
    ["router removed: update (restart)", {}, { router: undefined }, { updates: ["router"], replaces: [] }, true],
    ["dnsDomain: update (restart)", {}, { dnsDomain: "lab2" }, { updates: ["dnsDomain"], replaces: [] }, true],
    ["bridge: update (restart)", {}, { bridge: "br1" }, { updates: ["bridge"], replaces: [] }, true],
    ["upstreamDns added: update (restart)", {}, { upstreamDns: ["1.1.1.1"] }, { updates: ["upstreamDns"], replaces: [] }, true],
    ["upstreamDns reordered: update (restart)", { upstreamDns: ["1.1.1.1", "9.9.9.9"] }, { upstreamDns: ["9.9.9.9", "1.1.1.1"] }, { updates: ["upstreamDns"], replaces: [] }, true],
    ["network: update (recorded only)", {}, { network: "10.0.0.0/16" }, { updates: ["network"], replaces: [] }, false],
    ["name: replace", {}, { name: "d2" }, { updates: [], replaces: ["name"] }, false],
    ["host.netns: replace", {}, { host: { netns: "ns2" } }, { updates: [], replaces: ["host"] }, false],
    ["host.stateDir: replace", {}, { host: { netns: "ns1", stateDir: "/srv/lab" } }, { updates: [], replaces: ["host"] }, false],
    ["dnsmasq found dead by refresh: update", { status: "stopped", pid: undefined }, {}, { updates: ["status"], replaces: [] }, false],
    ["lease file found deleted by refresh: update", { leaseFile: undefined }, {}, { updates: ["leaseFile"], replaces: [] }, false],
    ["unknown bridge during preview: update", {}, { bridge: UNKNOWN as unknown as string }, { updates: ["bridge"], replaces: [] }, true],
  ])("%s", (_t, oldOver, newOver, want, restart) => {
    const d = diffDhcpServer({ ...state, ...oldOver }, { ...inputs, ...newOver });
    expect(d).toEqual({ changes: want.updates.length + want.replaces.length > 0, ...want, deleteBeforeReplace: want.replaces.length > 0 });
    expect(needsRestart({ ...state, ...oldOver }, { ...inputs, ...newOver })).toBe(restart);
  });

  test("host {} and a missing host are the same", () => {
    expect(diffDhcpServer({ ...state, host: undefined as never }, { ...inputs, host: {} })).toEqual(none);
  });
});
