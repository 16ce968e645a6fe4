/** Issue 15: a resource's place is its machine and namespace; a new machine is a replace in every kind's diff. */
import { placeOf } from "../../../provider/resources/common/host-schema";
import { sshTargetSchema } from "../../../provider/resources/common/ssh-schema";
import { diffBridge } from "../../../provider/resources/bridge/diff";
import { diffVethPair } from "../../../provider/resources/veth-pair/diff";
import { hostSidesClash } from "../../../provider/resources/port-forward/diff";

const HV2 = { host: "10.0.0.2" };
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

test.each([
  [{}, {}, true],
  [{ netns: "a" }, { netns: "a", stateDir: "/s" }, true],
  [{ ssh: HV2 }, { ssh: { ...HV2, port: 22, user: "root" } }, true], // defaults are the same machine
  [{ ssh: HV2 }, { ssh: { ...HV2, privateKeyPath: "/k" } }, true], // how we log in is not where
  [{}, { ssh: HV2 }, false],
  [{ ssh: HV2 }, { ssh: { host: "10.0.0.3" } }, false],
  [{ ssh: HV2 }, { ssh: { ...HV2, port: 2222 } }, false],
  [{ ssh: HV2, netns: "a" }, { ssh: HV2, netns: "b" }, false],
])("placeOf(%j) === placeOf(%j): %s", (a, b, same) => {
  expect(placeOf(a) === placeOf(b)).toBe(same);
});

test("moving a bridge or a veth pair to another machine replaces it; forwards on two machines never clash", () => {
  const bridge = { name: "br0", host: {} };
  expect(diffBridge(bridge as never, { name: "br0", host: { ssh: HV2 } } as never).replaces).toContain("host");
  const veth = { name: "v0", peerName: "v1", host: {} };
  expect(diffVethPair(veth as never, { name: "v0", peerName: "v1", host: { ssh: HV2 } } as never).replaces).toContain("host");
  const fwd = { protocol: "tcp", hostAddress: "0.0.0.0", hostPort: 2222 };
  expect(hostSidesClash({ ...fwd, host: {} }, { ...fwd, host: { ssh: HV2 } })).toBe(false);
  expect(hostSidesClash({ ...fwd, host: { ssh: HV2 } }, { ...fwd, host: { ssh: HV2 } })).toBe(true);
});

test("a full, valid ssh target passes check unchanged", () => {
  const target = { host: "hv2.lab", port: 2222, user: "lab_admin", privateKeyPath: "/root/.ssh/id_ed25519", knownHostsPath: "/etc/ssh/ssh_known_hosts", hostKey: ED25519, jumpHost: { host: "192.0.2.1", agent: true } };
  expect(sshTargetSchema().parse(target)).toEqual(target);
  expect(sshTargetSchema().parse({ host: "fd00::2" })).toEqual({ host: "fd00::2" });
});
