/** Issue 12, concurrency: two stacks create the same bridge name at once. One wins; the loser deletes nothing. */
import { makeProvider } from "../../../provider/kinds";
import { linkIn, namespacesPerTest } from "../../support/netns";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { record } from "../../support/reliability";

describe("two stacks, one bridge name, at once (real kernel, in a test namespace)", () => {
  const spaces = namespacesPerTest();

  test.each([1, 2, 3, 4, 5])("round %i: one wins, the other fails naming adopt, the winner's bridge stays", async () => {
    const ns = spaces.create("qlrace");
    const stack = (owner: string, addr: string) =>
      checkAndCreate(makeProvider("Bridge", testContext()), { name: "brx", addresses: [addr], host: { netns: ns }, __owner: owner });
    const results = await Promise.allSettled([stack("lab/alice/br#aaaa", "10.9.0.1/24"), stack("lab/bob/br#bbbb", "10.9.0.2/24")]);
    const won = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<Awaited<ReturnType<typeof stack>>>[];
    const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect([won.length, lost.length]).toEqual([1, 1]);
    expect(String(lost[0]!.reason.message)).toMatch(/a bridge named "brx" already exists in network namespace "qlrace[^"]*"; set `adopt: true` to manage it/);
    const kernel = linkIn(ns, "brx");
    expect(kernel?.linkinfo?.info_kind).toBe("bridge");
    expect(kernel?.ifindex).toBe(won[0]!.value.outs.ifindex);
    expect((kernel?.addr_info as Array<{ local: string }>).map((a) => a.local)).toEqual([won[0]!.value.outs.addresses[0].split("/")[0]]);
    record({ section: "concurrency", subject: "two stacks create bridge brx at once", winners: 1, losers: 1 });
  });
});
