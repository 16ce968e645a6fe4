import { diffVxlanTunnel } from "../../../provider/resources/vxlan-tunnel/diff";
import type { VxlanTunnelInputs, VxlanTunnelState } from "../../../provider/resources/vxlan-tunnel/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const STATE: VxlanTunnelState = {
  name: "vx0", vni: 42, localAddress: "10.50.0.1", port: 4789, remotes: ["10.50.0.2", "10.50.0.3"], bridge: "br0", mtu: 1450, up: true,
  adopt: false, host: { netns: "hv1" }, underlay: "ul0", macAddress: "7a:21:de:d1:99:83", ifindex: 3, warnings: [], created: true,
};
const INPUTS: VxlanTunnelInputs = { name: "vx0", vni: 42, localAddress: "10.50.0.1", port: 4789, remotes: ["10.50.0.3", "10.50.0.2"], bridge: "br0", up: true, adopt: false, host: { netns: "hv1" } };

test.each<[string, Partial<VxlanTunnelState>, Partial<VxlanTunnelInputs>, { updates: string[]; replaces: string[]; deleteBeforeReplace: boolean }]>([
  ["nothing (remotes in another order, mtu unset)", {}, {}, { updates: [], replaces: [], deleteBeforeReplace: true }],
  ["a remote removed: live", {}, { remotes: ["10.50.0.2"] }, { updates: ["remotes"], replaces: [], deleteBeforeReplace: true }],
  ["a remote added: live", {}, { remotes: ["10.50.0.2", "10.50.0.3", "10.50.0.4"] }, { updates: ["remotes"], replaces: [], deleteBeforeReplace: true }],
  ["drift: a flood entry removed by hand", { remotes: ["10.50.0.2"] }, {}, { updates: ["remotes"], replaces: [], deleteBeforeReplace: true }],
  ["drift: someone else's flood entry", { remotes: ["10.50.0.2", "10.50.0.3", "10.50.0.3 port 5000"] }, {}, { updates: ["remotes"], replaces: [], deleteBeforeReplace: true }],
  ["drift: off the bridge", { bridge: "" }, {}, { updates: ["bridge"], replaces: [], deleteBeforeReplace: true }],
  ["drift: down", { up: false }, {}, { updates: ["up"], replaces: [], deleteBeforeReplace: true }],
  ["another bridge", {}, { bridge: "br1" }, { updates: ["bridge"], replaces: [], deleteBeforeReplace: true }],
  ["mtu set to what it is", {}, { mtu: 1450 }, { updates: [], replaces: [], deleteBeforeReplace: true }],
  ["mtu set to another", {}, { mtu: 1400 }, { updates: ["mtu"], replaces: [], deleteBeforeReplace: true }],
  ["drift: mtu changed by hand, mtu unset (not managed after create)", { mtu: 9000 }, {}, { updates: [], replaces: [], deleteBeforeReplace: true }],
  ["down asked", {}, { up: false }, { updates: ["up"], replaces: [], deleteBeforeReplace: true }],
  ["adopt", {}, { adopt: true }, { updates: ["adopt"], replaces: [], deleteBeforeReplace: true }],
  ["stateDir only", {}, { host: { netns: "hv1", stateDir: "/srv/lab" } }, { updates: ["host"], replaces: [], deleteBeforeReplace: true }],
  ["vni", {}, { vni: 43 }, { updates: [], replaces: ["vni"], deleteBeforeReplace: true }],
  ["port", {}, { port: 8472 }, { updates: [], replaces: ["port"], deleteBeforeReplace: true }],
  ["localAddress", {}, { localAddress: "10.50.0.9" }, { updates: [], replaces: ["localAddress"], deleteBeforeReplace: true }],
  ["name, same VNI and port: the kernel allows one device per VNI and port", {}, { name: "vx1" }, { updates: [], replaces: ["name"], deleteBeforeReplace: true }],
  ["name and VNI: both can exist at once", {}, { name: "vx1", vni: 43 }, { updates: [], replaces: ["name", "vni"], deleteBeforeReplace: false }],
  ["another namespace", {}, { host: { netns: "hv2" } }, { updates: [], replaces: ["host"], deleteBeforeReplace: false }],
  ["another machine", {}, { host: { netns: "hv1", ssh: { host: "10.0.0.2" } } }, { updates: [], replaces: ["host"], deleteBeforeReplace: false }],
  ["replace and live change together", {}, { vni: 43, remotes: ["10.50.0.2"] }, { updates: ["remotes"], replaces: ["vni"], deleteBeforeReplace: true }],
  ["unknown remotes in preview", {}, { remotes: [UNKNOWN] }, { updates: ["remotes"], replaces: [], deleteBeforeReplace: true }],
  ["unknown vni in preview", {}, { vni: UNKNOWN as unknown as number }, { updates: [], replaces: ["vni"], deleteBeforeReplace: true }],
  ["unknown host in preview", {}, { host: UNKNOWN as unknown as VxlanTunnelInputs["host"] }, { updates: [], replaces: ["host"], deleteBeforeReplace: false }],
])("%s", (_label, olds, news, expected) => {
  const d = diffVxlanTunnel({ ...STATE, ...olds }, { ...INPUTS, ...news });
  expect(d).toEqual({ changes: expected.updates.length + expected.replaces.length > 0, ...expected });
});
