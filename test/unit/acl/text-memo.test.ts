import { memoByText } from "../../../provider/host/acl/text-memo";

test("memoByText computes once per text and evicts the least recently used", () => {
  const calls: string[] = [];
  const f = memoByText((t) => (calls.push(t), t.length), 2);
  expect([f("a"), f("a"), f("bb"), f("a"), f("ccc"), f("bb"), f("a")]).toEqual([1, 1, 2, 1, 3, 2, 1]);
  expect(calls).toEqual(["a", "bb", "ccc", "bb", "a"]); // "ccc" evicted "bb" (a was used more recently), then "bb" evicted "a"
});
