import { routeSchema, parseIpJson } from "../../../provider/host/ip/ip-json";
import { routeArgs, routeFamily, routesThrough, toMovedRoute, type MovedRoute } from "../../../provider/host/ip/route-ops";

/** `ip -j route show table all` of a host whose eno1 carries 10.77.0.1/24 and 2001:db8:77::1/64 (captured on iproute2 6.1). */
const TABLE_ALL = JSON.stringify([
  { dst: "10.80.0.0/24", gateway: "10.77.0.254", dev: "eno1", table: "100", flags: [] },
  { dst: "default", gateway: "10.77.0.254", dev: "eno1", flags: [] },
  { dst: "10.77.0.0/24", dev: "eno1", protocol: "kernel", scope: "link", prefsrc: "10.77.0.1", flags: [] },
  { dst: "10.79.0.0/24", gateway: "10.77.0.254", dev: "eno1", protocol: "static", metric: 50, flags: [] },
  { dst: "10.81.0.0/24", dev: "eno1", scope: "link", prefsrc: "10.77.0.1", flags: [] },
  { dst: "10.82.0.0/24", gateway: "10.9.9.9", dev: "eno1", flags: ["onlink"] },
  { dst: "192.168.5.0/24", gateway: "192.168.5.1", dev: "wlan0", flags: [] },
  { dst: "10.83.0.0/24", via: { family: "inet6", host: "fe80::1" }, dev: "eno1", flags: [] },
  { dst: "10.84.0.0/24", nhid: 7, gateway: "10.77.0.9", dev: "eno1", flags: [] },
  { type: "blackhole", dst: "10.66.0.0/16", flags: [] },
  { type: "local", dst: "10.77.0.1", dev: "eno1", table: "local", protocol: "kernel", scope: "host", prefsrc: "10.77.0.1", flags: [] },
  { type: "broadcast", dst: "10.77.0.255", dev: "eno1", table: "local", protocol: "kernel", scope: "link", prefsrc: "10.77.0.1", flags: [] },
  { dst: "2001:db8:77::/64", dev: "eno1", protocol: "kernel", metric: 256, flags: [], pref: "medium" },
  { dst: "fe80::/64", dev: "eno1", protocol: "kernel", metric: 256, flags: [], pref: "medium" },
  { dst: "default", gateway: "2001:db8:77::fe", dev: "eno1", protocol: "ra", metric: 1024, flags: [], pref: "medium" },
  { dst: "default", dev: "eno1", metric: 2048, flags: [], pref: "medium" },
  { type: "local", dst: "2001:db8:77::1", dev: "eno1", table: "local", protocol: "kernel", metric: 0, flags: [], pref: "medium" },
  { type: "multicast", dst: "ff00::/8", dev: "eno1", table: "local", protocol: "kernel", metric: 256, flags: [], pref: "medium" },
  { dst: "default", metric: 1024, flags: [], pref: "medium", nexthops: [{ gateway: "fe80::1", dev: "eno1" }, { gateway: "fe80::2", dev: "eno2" }] },
]);

describe("routes through a port", () => {
  test("routesThrough keeps unicast routes via the port in every table but local, minus kernel-made ones and multipath", () => {
    const routes = parseIpJson(TABLE_ALL, routeSchema(), "route");
    expect(routesThrough(routes, "eno1")).toEqual<MovedRoute[]>([
      { family: "inet", dst: "10.80.0.0/24", gateway: "10.77.0.254", table: "100" },
      { family: "inet", dst: "default", gateway: "10.77.0.254" },
      { family: "inet", dst: "10.79.0.0/24", gateway: "10.77.0.254", metric: 50, protocol: "static" },
      { family: "inet", dst: "10.81.0.0/24", scope: "link", prefsrc: "10.77.0.1" },
      { family: "inet", dst: "10.82.0.0/24", gateway: "10.9.9.9", onlink: true },
      { family: "inet6", dst: "default", gateway: "2001:db8:77::fe", metric: 1024, protocol: "ra" },
      { family: "inet6", dst: "default", metric: 2048 },
    ]);
    expect(routesThrough(routes, "eno9")).toEqual([]);
  });

  test.each([
    [{ dst: "default", gateway: "10.0.0.1", flags: [] }, "inet"],
    [{ dst: "10.0.0.0/8", flags: [] }, "inet"],
    [{ dst: "default", gateway: "fe80::1", flags: [] }, "inet6"],
    [{ dst: "default", flags: [], pref: "medium" }, "inet6"],
    [{ dst: "2001:db8::/32", flags: [] }, "inet6"],
  ])("routeFamily(%j) = %s", (route, family) => {
    expect(routeFamily(routeSchema().parse(route))).toBe(family);
  });

  test.each([
    [{ dst: "default", gateway: "10.0.0.1", scope: "global", table: "main", flags: [] }, { family: "inet", dst: "default", gateway: "10.0.0.1" }],
    [
      { dst: "10.1.0.0/16", gateway: "10.0.0.1", metric: 7, protocol: "dhcp", flags: ["onlink", "linkdown"] },
      { family: "inet", dst: "10.1.0.0/16", gateway: "10.0.0.1", metric: 7, protocol: "dhcp", onlink: true },
    ],
  ])("toMovedRoute(%j)", (route, moved) => {
    expect(toMovedRoute(routeSchema().parse(route))).toEqual(moved);
  });
});

describe("routeArgs", () => {
  test.each<[MovedRoute, "append" | "del", string]>([
    [{ family: "inet", dst: "default", gateway: "10.0.0.1" }, "append", "route append default via 10.0.0.1 dev br0"],
    [{ family: "inet", dst: "default", gateway: "10.0.0.1" }, "del", "route del default via 10.0.0.1 dev br0"],
    [
      { family: "inet", dst: "10.79.0.0/24", gateway: "10.0.0.1", metric: 50, protocol: "static", table: "100" },
      "append",
      "route append 10.79.0.0/24 via 10.0.0.1 dev br0 metric 50 proto static table 100",
    ],
    [
      { family: "inet", dst: "10.81.0.0/24", scope: "link", prefsrc: "10.0.0.2", onlink: true, gateway: "10.9.9.9" },
      "append",
      "route append 10.81.0.0/24 via 10.9.9.9 dev br0 scope link src 10.0.0.2 onlink",
    ],
    [{ family: "inet", dst: "10.81.0.0/24", scope: "link", prefsrc: "10.0.0.2" }, "del", "route del 10.81.0.0/24 dev br0"],
    [{ family: "inet6", dst: "default", gateway: "fe80::1", metric: 1024 }, "append", "route append ::/0 via fe80::1 dev br0 metric 1024"],
    [{ family: "inet6", dst: "default", metric: 2048 }, "del", "route del ::/0 dev br0 metric 2048"],
  ])("%j %s", (route, verb, expected) => {
    expect(routeArgs(verb, route, "br0").join(" ")).toBe(expected);
  });
});
