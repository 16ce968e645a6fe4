import type { IpLink } from "../../../provider/host/ip/ip-json";
import { arePeers, observeVethPair } from "../../../provider/resources/veth-pair/observe";

function veth(ifname: string, ifindex: number, extra: Record<string, unknown>, flags = ["BROADCAST", "UP"]): IpLink {
  return { ifindex, ifname, flags, mtu: 1500, address: `02:00:00:00:00:0${ifindex}`, linkinfo: { info_kind: "veth" }, addr_info: [], ...extra } as IpLink;
}

describe("VethPair observe", () => {
  const a = veth("va", 3, { link: "vb" });
  const b = veth("vb", 2, { link: "va" }, ["BROADCAST"]);
  const crossA = veth("vc", 4, { link_index: 2, link_netnsid: 0 });
  const crossB = veth("vd", 2, { link_index: 4, link_netnsid: 0 });
  const dummy = { ...veth("vb", 2, {}), linkinfo: { info_kind: "dummy" } } as IpLink;

  test.each<[string, IpLink, IpLink, boolean, boolean]>([
    ["same namespace, linked by name", a, b, true, true],
    ["same namespace, other veth", a, veth("vb", 2, { link: "vx" }), true, false],
    ["not a veth", a, dummy, true, false],
    ["across namespaces, linked by ifindex", crossA, crossB, false, true],
    ["across namespaces, wrong ifindex", crossA, veth("vd", 7, { link_index: 4 }), false, false],
  ])("arePeers: %s", (_label, end, peer, sameNs, expected) => {
    expect(arePeers(end, peer, sameNs)).toBe(expected);
  });

  test("observes both ends; up only when both are up", () => {
    expect(observeVethPair(a, b, true)).toEqual({
      name: "va",
      peerName: "vb",
      up: false,
      macAddress: "02:00:00:00:00:03",
      peerMacAddress: "02:00:00:00:00:02",
      ifindex: 3,
      peerIfindex: 2,
    });
    expect(observeVethPair(crossA, crossB, false)?.up).toBe(true);
    expect(observeVethPair(a, undefined, true)).toBeUndefined();
  });
});
