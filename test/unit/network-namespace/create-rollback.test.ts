import { makeProvider } from "../../../provider/kinds";
import { FakeRunner } from "../../support/fake-runner";
import { checkAndCreate, testContext } from "../../support/provider-harness";

/** Issue 12, defect 4: a create undoes only what it made. */
describe("NetworkNamespace create rollback", () => {
  test("`ip netns add` failing with File exists (made meanwhile by someone else) deletes nothing", async () => {
    const runner = new FakeRunner()
      .on(/^ip -j netns list$/, { stdout: "[]" })
      .on(/^ip netns add lab$/, { exitCode: 1, stderr: 'Cannot create namespace file "/run/netns/lab": File exists\n' });
    const p = makeProvider("NetworkNamespace", testContext(runner));
    await expect(checkAndCreate(p, { name: "lab" })).rejects.toThrow(/created meanwhile by someone else; set `adopt: true`/);
    expect(runner.commands()).toEqual(["ip -j netns list", "ip netns add lab"]);
  });

  test("the loopback step failing after our add: the namespace we made is deleted", async () => {
    const runner = new FakeRunner()
      .on(/^ip -j netns list$/, { stdout: "[]" })
      .on(/link set lo up/, { exitCode: 1, stderr: "RTNETLINK answers: Operation not permitted\n" });
    const p = makeProvider("NetworkNamespace", testContext(runner));
    await expect(checkAndCreate(p, { name: "lab" })).rejects.toThrow(/Operation not permitted/);
    expect(runner.commands()).toEqual(["ip -j netns list", "ip netns add lab", "ip -n lab link set lo up", "ip netns delete lab"]);
  });
});
