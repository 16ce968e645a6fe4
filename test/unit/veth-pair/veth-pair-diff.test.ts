import { diffVethPair } from "../../../provider/resources/veth-pair/diff";
import type { VethPairInputs, VethPairState } from "../../../provider/resources/veth-pair/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";

const olds: VethPairState = {
  name: "va",
  peerName: "vb",
  up: true,
  adopt: false,
  host: { netns: "lab" },
  macAddress: "02:00:00:00:00:01",
  peerMacAddress: "02:00:00:00:00:02",
  ifindex: 5,
  peerIfindex: 4,
  created: true,
};
const same: VethPairInputs = { name: "va", peerName: "vb", up: true, adopt: false, host: { netns: "lab" } };

describe("VethPair diff", () => {
  // deleteBeforeReplace is reported whenever a replacement would clash on a kept name, also when this diff asks for
  // no replacement: the engine reads it for replacements it forces (`--replace`, `replaceOnChanges`).
  test.each<[string, Partial<VethPairInputs> & Record<string, unknown>, { updates: string[]; replaces: string[]; dbr: boolean }]>([
    ["no change", {}, { updates: [], replaces: [], dbr: true }],
    ["up false", { up: false }, { updates: ["up"], replaces: [], dbr: true }],
    ["up unknown", { up: UNKNOWN as unknown as boolean }, { updates: ["up"], replaces: [], dbr: true }],
    ["adopt", { adopt: true }, { updates: ["adopt"], replaces: [], dbr: true }],
    ["stateDir only", { host: { netns: "lab", stateDir: "/tmp/x" } }, { updates: ["host"], replaces: [], dbr: true }],
    ["peerName: the end keeps its name, so delete first", { peerName: "vc" }, { updates: [], replaces: ["peerName"], dbr: true }],
    ["name: the peer keeps its name, so delete first", { name: "vz" }, { updates: [], replaces: ["name"], dbr: true }],
    ["both names", { name: "vz", peerName: "vy" }, { updates: [], replaces: ["name", "peerName"], dbr: false }],
    ["name unknown", { name: UNKNOWN }, { updates: [], replaces: ["name"], dbr: true }],
    ["peerNetns explicitly the same namespace is no change", { peerNetns: "lab" }, { updates: [], replaces: [], dbr: true }],
    ["peerNetns elsewhere: the end keeps its name", { peerNetns: "other" }, { updates: [], replaces: ["peerNetns"], dbr: true }],
    [
      "host netns moves both ends (peer follows)",
      { host: { netns: "lab2" } },
      { updates: [], replaces: ["peerNetns", "host"], dbr: false },
    ],
    [
      "host netns moves, peer pinned to the old namespace",
      { host: { netns: "lab2" }, peerNetns: "lab" },
      { updates: [], replaces: ["host"], dbr: true },
    ],
  ])("%s", (_label, change, expected) => {
    const d = diffVethPair(olds, { ...same, ...change } as VethPairInputs);
    expect(d).toEqual({
      changes: expected.updates.length + expected.replaces.length > 0,
      updates: expected.updates,
      replaces: expected.replaces,
      deleteBeforeReplace: expected.dbr,
    });
  });
});
