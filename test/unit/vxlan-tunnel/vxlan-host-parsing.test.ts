/**
 * The host side of VxlanTunnel, pure parts: argv builders, the parser of `bridge -j fdb show dev X` and of the vxlan
 * `info_data` of `ip -j -d link`, on output captured from iproute2 6.1 (kernel 6.x).
 */
import { linkSchema, parseIpJson } from "../../../provider/host/ip/ip-json";
import { bridgeArgv, describeFloodEntry, floodEntryArgs, masterArgs, vxlanAddArgs } from "../../../provider/host/ip/vxlan-argv";
import { floodEntriesOf, parseFdbJson } from "../../../provider/host/ip/vxlan-fdb";
import { linkHoldingAddress, vxlanInfoOf } from "../../../provider/host/ip/vxlan-link";

// `ip -j -d link show vx0` after `ip link add vx0 type vxlan id 42 local 10.9.0.1 dstport 4789 nolearning`, enslaved and up.
const VX0 =
  '[{"ifindex":3,"ifname":"vx0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"br0","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"7a:21:de:d1:99:83","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":1,"allmulti":1,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"vxlan","info_data":{"id":42,"local":"10.9.0.1","port_range":{"low":0,"high":0},"port":4789,"learning":false,"ttl":0,"df":"unset","ageing":300,"udp_csum":true,"udp_zero_csum6_tx":false,"udp_zero_csum6_rx":false},"info_slave_kind":"bridge","info_slave_data":{"state":"forwarding","priority":32,"cost":100,"hairpin":false,"guard":false,"root_block":false,"fastleave":false,"learning":true,"flood":true,"id":"0x8001","no":"0x1","designated_port":32769,"designated_cost":0,"bridge_id":"8000.7a:21:de:d1:99:83","root_id":"8000.7a:21:de:d1:99:83","hold_timer":0.00,"message_age_timer":0.00,"forward_delay_timer":14.98,"topology_change_ack":0,"config_pending":0,"proxy_arp":false,"proxy_arp_wifi":false,"multicast_router":1,"mcast_flood":true,"bcast_flood":true,"mcast_to_unicast":false,"neigh_suppress":false,"group_fwd_mask":"0","group_fwd_mask_str":"0x0","vlan_tunnel":false,"isolated":false,"locked":false}},"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536,"gso_max_segs":65535,"tso_max_size":65536,"tso_max_segs":65535,"gro_max_size":65536}]';
// `ip link add vx1 type vxlan id 43 dstport 4789 learning`: no local address, learning on, down.
const VX1 =
  '[{"ifindex":4,"ifname":"vx1","flags":["BROADCAST","MULTICAST"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"82:5a:13:ba:11:32","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,"allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"vxlan","info_data":{"id":43,"port_range":{"low":0,"high":0},"port":4789,"learning":true,"ttl":0,"df":"unset","ageing":300,"udp_csum":true,"udp_zero_csum6_tx":false,"udp_zero_csum6_rx":false}},"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536,"gso_max_segs":65535,"tso_max_size":65536,"tso_max_segs":65535,"gro_max_size":65536}]';
// A veth end: not a vxlan device.
const VETH =
  '[{"ifindex":7,"link":"vv1","ifname":"vv0","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"ee:65:68:ed:9d:81","broadcast":"ff:ff:ff:ff:ff:ff","promiscuity":0,"allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"veth"},"num_tx_queues":2,"num_rx_queues":2}]';

const link = (json: string) => parseIpJson(json, linkSchema(), "link")[0]!;

test.each([
  ["enslaved, with local, learning off", VX0, { vni: 42, local: "10.9.0.1", port: 4789, learning: false }],
  ["no local, learning on", VX1, { vni: 43, port: 4789, learning: true }],
  ["a veth", VETH, undefined],
])("vxlan info_data: %s", (_label, json, expected) => {
  expect(vxlanInfoOf(link(json))).toEqual(expected);
});

test("a vxlan link whose info_data lacks what we rely on is refused, naming the link and the key", () => {
  const broken = { ...link(VX1), linkinfo: { info_kind: "vxlan", info_data: { port: 4789, learning: true } } };
  expect(() => vxlanInfoOf(broken)).toThrow(/unexpected vxlan details of "vx1" from ip: id: Required/);
});

// `bridge -j fdb show dev vx0`: the bridge's own entry, a static unicast entry, flood entries (one with its own port and VNI).
const FDB_MIXED =
  '[{"mac":"7a:21:de:d1:99:83","flags":[],"master":"br0","state":"permanent"},{"mac":"52:54:00:00:00:01","dst":"10.9.0.2","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.2","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.3","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.4","port":5000,"vni":7,"flags":["self"],"state":"permanent"}]';
// `bridge fdb append … dst 10.9.0.6 via vv0`; `port 4789 vni 99` equal to the device's are not reported.
const FDB_VIA =
  '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.5","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.6","viaIf":"vv0","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","dst":"10.9.0.8","flags":["self"],"state":"permanent"}]';

test.each([
  ["mixed", FDB_MIXED, [{ dst: "10.9.0.2" }, { dst: "10.9.0.3" }, { dst: "10.9.0.4", port: 5000, vni: 7 }]],
  ["pinned to a link", FDB_VIA, [{ dst: "10.9.0.5" }, { dst: "10.9.0.6", via: "vv0" }, { dst: "10.9.0.8" }]],
  ["no entries (a device without any)", "[]", []],
  ["empty answer", "", []],
  ["a pinned entry across namespaces", '[{"mac":"00:00:00:00:00:00","dst":"10.0.0.9","viaIfIndex":12,"linkNetNsId":0,"flags":["self"]}]', [{ dst: "10.0.0.9", via: "#12" }]],
])("flood entries of bridge -j fdb show: %s", (_label, json, expected) => {
  expect(floodEntriesOf(parseFdbJson(json))).toEqual(expected);
});

test.each([
  ["not JSON", "00:00:00:00:00:00 dst 10.9.0.2 self permanent", /cannot parse bridge fdb JSON/],
  ["an entry without a MAC", '[{"dst":"10.9.0.2","flags":["self"]}]', /unexpected bridge fdb entry #0.*mac: Required/],
  ["a port as text", '[{"mac":"00:00:00:00:00:00","dst":"10.9.0.2","port":"5000"}]', /port: Expected number/],
])("an fdb answer that is not what we expect is refused: %s", (_label, text, error) => {
  expect(() => parseFdbJson(text)).toThrow(error);
});

test.each([
  [{ dst: "10.0.0.2" }, "10.0.0.2"],
  [{ dst: "10.0.0.4", port: 5000, vni: 7 }, "10.0.0.4 port 5000 vni 7"],
  [{ dst: "10.0.0.6", via: "vv0" }, "10.0.0.6 via vv0"],
])("describe flood entry %j as %s", (entry, text) => {
  expect(describeFloodEntry(entry)).toBe(text);
});

test.each<[string, string[], string[]]>([
  [
    "add with group",
    vxlanAddArgs({ name: "vx0", vni: 42, localAddress: "10.9.0.1", port: 4789, mtu: 1450, group: 77 }),
    ["link", "add", "name", "vx0", "mtu", "1450", "group", "77", "type", "vxlan", "id", "42", "local", "10.9.0.1", "dstport", "4789", "nolearning"],
  ],
  [
    "add without group",
    vxlanAddArgs({ name: "t", vni: 16777215, localAddress: "192.0.2.1", port: 8472, mtu: 68 }),
    ["link", "add", "name", "t", "mtu", "68", "type", "vxlan", "id", "16777215", "local", "192.0.2.1", "dstport", "8472", "nolearning"],
  ],
  ["enslave", masterArgs("vx0", "br0"), ["link", "set", "dev", "vx0", "master", "br0"]],
  ["append", floodEntryArgs("append", "vx0", { dst: "10.0.0.2" }), ["fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.0.2"]],
  [
    "delete someone else's entry exactly",
    floodEntryArgs("del", "vx0", { dst: "10.0.0.4", port: 5000, vni: 7, via: "vv0" }),
    ["fdb", "del", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.0.0.4", "port", "5000", "vni", "7", "via", "vv0"],
  ],
  ["bridge in a namespace", bridgeArgv("lab", ["-j", "fdb", "show", "dev", "vx0"]), ["bridge", "-n", "lab", "-j", "fdb", "show", "dev", "vx0"]],
  ["bridge in the root namespace", bridgeArgv(undefined, ["-batch", "-"]), ["bridge", "-batch", "-"]],
])("argv: %s", (_label, argv, expected) => {
  expect(argv).toEqual(expected);
});

test("the underlay is the link holding the local address (IPv4 only)", () => {
  const links = parseIpJson(
    '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"mtu":65536,"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},' +
      '{"ifindex":5,"ifname":"ul0","flags":["UP"],"mtu":9000,"addr_info":[{"family":"inet6","local":"fd00::1","prefixlen":64},{"family":"inet","local":"10.50.0.1","prefixlen":24}]}]',
    linkSchema(),
    "link",
  );
  expect(linkHoldingAddress(links, "10.50.0.1")?.ifname).toBe("ul0");
  expect(linkHoldingAddress(links, "127.0.0.1")?.ifname).toBe("lo");
  expect(linkHoldingAddress(links, "10.50.0.2")).toBeUndefined();
  expect(linkHoldingAddress(links, "fd00::1")).toBeUndefined();
});
