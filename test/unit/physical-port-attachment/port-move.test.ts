import { addrAddArgs, addressToMove, attachPlan, giveBackPlan, isTolerated, type Phase } from "../../../provider/host/ip/port-move";
import { CommandError } from "../../../provider/host/runner/command-error";

const lines = (phases: Phase[]) => phases.map((ph) => ph.map((s) => s.args.join(" ")));
const V4 = { cidr: "10.77.0.1/24", family: "inet" };
const V6 = { cidr: "2001:db8::1/64", family: "inet6" };
const DEFAULT = { family: "inet" as const, dst: "default", gateway: "10.77.0.254" };

describe("attachPlan", () => {
  test.each([
    [
      "plain attach of a down port: the seed's two commands in one batch",
      { portUp: false, bridgeUp: true, enslaved: false, addresses: [], routes: [] },
      [["link set dev eno1 up", "link set dev eno1 master br0"]],
    ],
    ["already up and enslaved: nothing to do", { portUp: true, bridgeUp: true, enslaved: true, addresses: [], routes: [] }, []],
    [
      "moving: bridge gets the addresses, then enslave, then routes switch and the port drops its addresses",
      { portUp: true, bridgeUp: false, enslaved: false, addresses: [V4, V6], routes: [DEFAULT] },
      [
        ["link set dev br0 up", "addr add 10.77.0.1/24 dev br0", "addr add 2001:db8::1/64 nodad dev br0"],
        ["link set dev eno1 master br0"],
        [
          "route append default via 10.77.0.254 dev br0",
          "route del default via 10.77.0.254 dev eno1",
          "addr del 10.77.0.1/24 dev eno1",
          "addr del 2001:db8::1/64 dev eno1",
        ],
      ],
    ],
    [
      "moving onto a bridge the port is already on (drift repair after a hand-made nomaster)",
      { portUp: true, bridgeUp: true, enslaved: true, addresses: [V4], routes: [] },
      [["addr add 10.77.0.1/24 dev br0"], ["addr del 10.77.0.1/24 dev eno1"]],
    ],
  ])("%s", (_what, p, expected) => {
    expect(lines(attachPlan({ port: "eno1", bridge: "br0", ...p }))).toEqual(expected);
  });
});

describe("giveBackPlan", () => {
  test.each([
    [
      "addresses back first, then routes switch, then the bridge drops the addresses, release last: one batch",
      { portUp: true, release: true, addresses: [V4], routes: [DEFAULT] },
      [
        [
          "addr add 10.77.0.1/24 dev eno1",
          "route append default via 10.77.0.254 dev eno1",
          "route del default via 10.77.0.254 dev br0",
          "addr del 10.77.0.1/24 dev br0",
          "link set dev eno1 nomaster",
        ],
      ],
    ],
    ["only a release", { portUp: true, release: true, addresses: [], routes: [] }, [["link set dev eno1 nomaster"]]],
    ["nothing", { portUp: true, release: false, addresses: [], routes: [] }, []],
    ["a down port is brought up", { portUp: false, release: false, addresses: [V6], routes: [] }, [["link set dev eno1 up", "addr add 2001:db8::1/64 nodad dev eno1", "addr del 2001:db8::1/64 dev br0"]]],
  ])("%s", (_what, p, expected) => {
    expect(lines(giveBackPlan({ port: "eno1", from: "br0", ...p }))).toEqual(expected);
  });
});

describe("addresses", () => {
  test.each([
    [{ family: "inet", local: "10.0.0.1", prefixlen: 24, broadcast: "10.0.0.255" }, "addr add 10.0.0.1/24 broadcast 10.0.0.255 dev br0"],
    [{ family: "inet6", local: "2001:db8::1", prefixlen: 64, noprefixroute: true }, "addr add 2001:db8::1/64 nodad noprefixroute dev br0"],
  ])("%j", (entry, expected) => {
    expect(addrAddArgs(addressToMove(entry), "br0").join(" ")).toBe(expected);
  });
});

describe("isTolerated", () => {
  const err = (stderr: string) => new CommandError({ argv: ["ip"], exitCode: 2, stdout: "", stderr });
  test.each([
    ["exists", "RTNETLINK answers: File exists", true],
    ["exists", "Error: ipv4: Address already assigned.", true],
    ["exists", "RTNETLINK answers: No such process", false],
    ["gone", "RTNETLINK answers: No such process", true],
    ["gone", "Error: ipv4: Address not found.", true],
    ["gone", "RTNETLINK answers: Cannot assign requested address", true],
    ["gone", 'Cannot find device "br0"', true],
    ["gone", "RTNETLINK answers: Operation not permitted", false],
    [undefined, "RTNETLINK answers: File exists", false],
  ] as const)("tolerate %s, stderr %j → %s", (tolerate, stderr, expected) => {
    expect(isTolerated({ args: [], tolerate }, err(stderr))).toBe(expected);
  });
});
