import { diffBridge } from "../../../provider/resources/bridge/diff";
import type { BridgeInputs, BridgeState } from "../../../provider/resources/bridge/schema";
import { UNKNOWN } from "../../../provider/resources/common/unknown";
import { bridgeState } from "../../support/bridge-state";

const STATE: BridgeState = bridgeState();
const INPUTS: BridgeInputs = { name: "br0", addresses: ["10.0.0.1/24", "fd00::1/64"], up: true, adopt: false, host: { netns: "lab" } };

const none = { changes: false, updates: [], replaces: [], deleteBeforeReplace: true };
const update = (...updates: string[]) => ({ changes: true, updates, replaces: [], deleteBeforeReplace: true });
const replace = (...replaces: string[]) => ({ changes: true, updates: [], replaces, deleteBeforeReplace: false });

describe("Bridge diff", () => {
  test.each<[string, Partial<BridgeState>, Partial<BridgeInputs>, object]>([
    ["nothing changed", {}, {}, none],
    ["addresses in another order and spelling", {}, { addresses: ["FD00:0:0::1/64", "10.0.0.1/24"] }, none],
    ["an address added", {}, { addresses: ["10.0.0.1/24", "fd00::1/64", "10.0.1.1/24"] }, update("addresses")],
    ["an address removed", {}, { addresses: ["10.0.0.1/24"] }, update("addresses")],
    ["a prefix length changed", {}, { addresses: ["10.0.0.1/25", "fd00::1/64"] }, update("addresses")],
    ["addresses no longer managed", {}, { addresses: undefined }, none],
    ["empty list: remove them all", {}, { addresses: [] }, update("addresses")],
    ["mtu unmanaged", {}, { mtu: undefined }, none],
    ["mtu equal to the observed one", {}, { mtu: 1500 }, none],
    ["mtu changed", {}, { mtu: 9000 }, update("mtu")],
    ["stp unmanaged", { stp: true }, { stp: undefined }, none],
    ["stp switched on", {}, { stp: true }, update("stp")],
    ["set down", {}, { up: false }, update("up")],
    ["adopt recorded (decides what delete does)", {}, { adopt: true }, update("adopt")],
    ["stateDir recorded", {}, { host: { netns: "lab", stateDir: "/srv/lab" } }, update("host")],
    ["several at once", {}, { mtu: 9000, stp: true, up: false, addresses: [] }, update("addresses", "mtu", "stp", "up")],
    ["refresh saw an address removed by hand", { addresses: ["fd00::1/64"] }, {}, update("addresses")],
    ["refresh saw STP switched on", { stp: true }, { stp: false }, update("stp")],
    ["refresh saw the MTU changed", { mtu: 1400 }, { mtu: 1500 }, update("mtu")],
    ["refresh saw the bridge set down", { up: false }, {}, update("up")],
    ["renamed", {}, { name: "br1" }, replace("name")],
    ["moved to another namespace", {}, { host: { netns: "other" } }, replace("host")],
    ["moved to the root namespace", {}, { host: {} }, replace("host")],
    ["renamed and changed", {}, { name: "br1", mtu: 9000 }, { changes: true, updates: ["mtu"], replaces: ["name"], deleteBeforeReplace: false }],
    ["name unknown in preview", {}, { name: UNKNOWN }, replace("name")],
    ["netns unknown in preview", {}, { host: { netns: UNKNOWN } }, replace("host")],
    ["addresses unknown in preview", {}, { addresses: UNKNOWN as unknown as string[] }, update("addresses")],
    ["one address unknown in preview", {}, { addresses: ["10.0.0.1/24", UNKNOWN] }, update("addresses")],
    ["mtu unknown in preview", {}, { mtu: UNKNOWN as unknown as number }, update("mtu")],
  ])("%s", (_what, olds, news, expected) => {
    expect(diffBridge({ ...STATE, ...olds }, { ...INPUTS, ...news })).toEqual(expected);
  });

  test("is pure: inputs are not modified", () => {
    const olds = structuredClone(STATE);
    const news = structuredClone(INPUTS);
    diffBridge(olds, { ...news, addresses: ["fd00::1/64"] });
    expect(olds).toEqual(STATE);
    expect(news).toEqual(INPUTS);
  });
});
