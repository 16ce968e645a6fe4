/**
 * Issue 12, defect 2, against the real `ip`: a batch that ip abandons part-way (an unparsable argument makes it exit
 * without `Command failed -:N`) must not report the lines after it as done. The kernel is re-read with a separate `ip`.
 */
import { IpBatcher } from "../../../provider/host/ip/ip-batcher";
import { ExecaRunner } from "../../../provider/host/runner/execa-runner";
import { record } from "../../support/reliability";
import { linkIn, namespacesPerTest } from "../../support/netns";

describe("ip -batch abandoned mid-way (real ip, in a test namespace)", () => {
  const spaces = namespacesPerTest();

  test("lines that never ran are rejected, and the kernel indeed lacks them", async () => {
    const ns = spaces.create("qlbat");
    const b = new IpBatcher(new ExecaRunner(), ["ip", "-n", ns], () => undefined);
    const results = await Promise.allSettled([
      b.write(["link", "add", "name", "bb0", "type", "bridge"]),
      b.write(["addr", "add", "10.2.0.1/08", "dev", "bb0"]), // check refuses this; here it stands for any line ip exits on
      b.write(["addr", "add", "10.3.0.1/24", "dev", "bb0"]),
      b.write(["link", "set", "dev", "bb0", "up"]),
    ]);
    const bb0 = linkIn(ns, "bb0");
    // What really happened: the first line ran, nothing after it.
    expect(bb0?.linkinfo?.info_kind).toBe("bridge");
    expect((bb0?.addr_info as Array<{ local: string }>).map((a) => a.local)).not.toContain("10.3.0.1");
    expect(bb0?.flags).not.toContain("UP");
    // What the batcher reports: nothing after the point ip gave up is claimed as done.
    expect(results.slice(1).map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(String((results[3] as PromiseRejectedResult).reason.message)).toMatch(/may not have run/);
    record({ section: "faults", subject: "ip abandons a batch of 4 lines after the first (exit 1, no line attributed)", linesThatRan: 1, reportedDone: results.filter((r) => r.status === "fulfilled").length });
  });
});
