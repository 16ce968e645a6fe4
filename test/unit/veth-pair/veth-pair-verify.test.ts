import { vethPairHandler } from "../../../provider/resources/veth-pair/lifecycle";
import { FakeRunner } from "../../support/fake-runner";
import { testContext } from "../../support/provider-harness";

const lo = { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, addr_info: [] };
const end = (ifname: string, ifindex: number, peer: string, up: boolean) => ({
  ifindex, ifname, link: peer, flags: up ? ["BROADCAST", "UP"] : ["BROADCAST"], mtu: 1500, address: `02:00:00:00:00:0${ifindex}`, linkinfo: { info_kind: "veth" }, addr_info: [],
});

test("create: the kernel reports the peer still down after `up` was applied — the create fails naming it, and removes its pair", async () => {
  const reads = [JSON.stringify([lo]), JSON.stringify([lo, end("va", 3, "vb", true), end("vb", 2, "va", false)])];
  const r = new FakeRunner(true)
    .on(/^ip -n lab (-force -batch -$|link )/, {})
    .on(/-j -d addr show$/, () => ({ stdout: reads.length > 1 ? reads.shift()! : reads[0]! }));
  const err = await vethPairHandler
    .create({ name: "va", peerName: "vb", up: true, adopt: false, host: { netns: "lab" } }, testContext(r))
    .catch((e: Error) => e);
  expect(String((err as Error).message)).toBe(`veth pair "va" in network namespace "lab" differs from the plan after it was applied: peer "vb" (asked "vb"), up false (asked true)`);
  expect(r.commands()).toContain("ip -n lab link delete dev va");
});
