import { finalSteps, firstSteps, needsReread, type CurrentBridge, type DesiredBridge } from "../../../provider/resources/bridge/plan";

const HOST: CurrentBridge = { addresses: ["10.0.0.1/24", "10.0.0.2/24", "fd00::1/64"], mtu: 1500, stp: false, up: true };
const FRESH: CurrentBridge = { addresses: [], stp: false, up: false }; // just made: MTU not set by us yet

describe("Bridge convergence plan", () => {
  test.each<[string, CurrentBridge, DesiredBridge, unknown[], boolean, unknown[]]>([
    ["nothing managed", HOST, {}, [], false, []],
    ["already converged", HOST, { addresses: ["fd00::1/64", "10.0.0.2/24", "10.0.0.1/24"], mtu: 1500, stp: false, up: true }, [], false, []],
    [
      "a new bridge: MTU always set (so the kernel keeps it when ports join), addresses in input order, then up",
      FRESH,
      { addresses: ["10.0.0.1/24", "fd00::1/64"], mtu: 1500, up: true },
      [{ op: "mtu", mtu: 1500 }],
      false,
      [{ op: "addr-add", cidr: "10.0.0.1/24" }, { op: "addr-add", cidr: "fd00::1/64" }, { op: "link", up: true }],
    ],
    ["a new bridge left down", FRESH, { addresses: ["fd00::1/64"], up: false }, [], false, [{ op: "addr-add", cidr: "fd00::1/64" }]],
    [
      "removing a primary: re-read, its secondary may be gone",
      HOST,
      { addresses: ["10.0.0.2/24", "10.0.0.3/24", "fd00::1/64"] },
      [{ op: "addr-del", cidr: "10.0.0.1/24" }],
      true,
      [{ op: "addr-add", cidr: "10.0.0.3/24" }],
    ],
    [
      "an IPv6 prefix change is a delete and an add",
      HOST,
      { addresses: ["10.0.0.1/24", "10.0.0.2/24", "FD00::1/128"] },
      [{ op: "addr-del", cidr: "fd00::1/64" }],
      true,
      [{ op: "addr-add", cidr: "FD00::1/128" }],
    ],
    [
      "going down: re-read, IPv6 addresses go with it",
      HOST,
      { up: false, stp: true, mtu: 9000 },
      [{ op: "mtu", mtu: 9000 }, { op: "stp", on: true }, { op: "link", up: false }],
      true,
      [],
    ],
    [
      "repairing drift: set down by hand, address gone",
      { ...HOST, up: false, addresses: ["10.0.0.1/24"] },
      { addresses: ["10.0.0.1/24", "fd00::1/64"], up: true },
      [],
      false,
      [{ op: "addr-add", cidr: "fd00::1/64" }, { op: "link", up: true }],
    ],
    [
      "empty list removes every address",
      HOST,
      { addresses: [] },
      [{ op: "addr-del", cidr: "10.0.0.1/24" }, { op: "addr-del", cidr: "10.0.0.2/24" }, { op: "addr-del", cidr: "fd00::1/64" }],
      true,
      [],
    ],
  ])("%s", (_what, current, desired, first, reread, final) => {
    const f = firstSteps(current, desired);
    expect(f).toEqual(first);
    expect(needsReread(f)).toBe(reread);
    expect(finalSteps(current, desired)).toEqual(final);
  });
});
