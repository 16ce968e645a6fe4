import { noNatTable, planNatTable } from "../../../provider/host/nft/nat-model";
import { diffNetworkNat } from "../../../provider/resources/network-nat/diff";
import type { NetworkNatInputs, NetworkNatState } from "../../../provider/resources/network-nat/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const inputs: NetworkNatInputs = {
  name: "lab",
  sourceCidr: "192.168.122.0/24",
  forwards: [{ protocol: "tcp", hostPort: 2222, toAddress: "192.168.122.10", toPort: 22 }],
  host: { netns: "router" },
};
const olds: NetworkNatState = { ...inputs, table: "qemu_lab_nat_lab", ruleset: planNatTable(inputs), ipForward: true, ipForwardChanged: true };
const withoutRule = { ...olds.ruleset, chains: olds.ruleset.chains.map((c) => (c.name === "output" ? { ...c, rules: [] } : c)) };

describe("NetworkNat diff", () => {
  test.each<[string, Partial<NetworkNatState>, Partial<NetworkNatInputs>, { updates: string[]; replaces: string[] }]>([
    ["nothing changed", {}, {}, { updates: [], replaces: [] }],
    ["another source network", {}, { sourceCidr: "10.0.0.0/8" }, { updates: ["sourceCidr", "ruleset"], replaces: [] }],
    ["an outInterface", {}, { outInterface: "eth0" }, { updates: ["outInterface", "ruleset"], replaces: [] }],
    ["a forward more", {}, { forwards: [...inputs.forwards, { protocol: "udp", hostPort: 53, toAddress: "192.168.122.10", toPort: 53 }] }, { updates: ["forwards", "ruleset"], replaces: [] }],
    ["forwards reordered", { forwards: [...inputs.forwards, { protocol: "udp", hostPort: 53, toAddress: "192.168.122.10", toPort: 53 }] }, { forwards: [{ protocol: "udp", hostPort: 53, toAddress: "192.168.122.10", toPort: 53 }, ...inputs.forwards] }, { updates: ["forwards", "ruleset"], replaces: [] }],
    ["a rule deleted by hand (refreshed)", { ruleset: withoutRule }, {}, { updates: ["ruleset"], replaces: [] }],
    ["the table deleted by hand (refreshed)", { ruleset: noNatTable() }, {}, { updates: ["ruleset"], replaces: [] }],
    ["the table made dormant by hand (refreshed)", { ruleset: { ...olds.ruleset, flags: ["dormant"] } }, {}, { updates: ["ruleset"], replaces: [] }],
    ["a set added to the table by hand (refreshed)", { ruleset: { ...olds.ruleset, foreign: ["set s"] } }, {}, { updates: ["ruleset"], replaces: [] }],
    ["ip_forward turned off by hand (refreshed)", { ipForward: false }, {}, { updates: ["ipForward"], replaces: [] }],
    ["another name", {}, { name: "lab2" }, { updates: [], replaces: ["name"] }],
    ["another namespace", {}, { host: { netns: "other" } }, { updates: [], replaces: ["host"] }],
    ["from a namespace to the root namespace", {}, { host: {} }, { updates: [], replaces: ["host"] }],
    ["another stateDir only", {}, { host: { netns: "router", stateDir: "/srv/lab" } }, { updates: ["host"], replaces: [] }],
    ["unknown forwards in preview", {}, { forwards: UNKNOWN as never }, { updates: ["forwards"], replaces: [] }],
    ["unknown name in preview", {}, { name: UNKNOWN }, { updates: [], replaces: ["name"] }],
  ])("%s", (_label, oldOver, newOver, expected) => {
    const d = diffNetworkNat({ ...olds, ...oldOver }, { ...inputs, ...newOver });
    expect({ updates: d.updates, replaces: d.replaces }).toEqual(expected);
    expect(d.changes).toBe(expected.updates.length + expected.replaces.length > 0);
    expect(d.deleteBeforeReplace).toBe(false);
  });
});
