import type { BridgeState } from "../../provider/resources/bridge/schema";

/** A recorded Bridge state for unit tests: `br0` in netns `lab`, created by us; override what a test is about. */
export function bridgeState(over: Partial<BridgeState> = {}): BridgeState {
  return {
    name: "br0",
    addresses: ["10.0.0.1/24", "fd00::1/64"],
    mtu: 1500,
    stp: false,
    up: true,
    adopt: false,
    host: { netns: "lab" },
    macAddress: "02:00:00:00:00:01",
    ifindex: 7,
    created: true,
    ...over,
  };
}
