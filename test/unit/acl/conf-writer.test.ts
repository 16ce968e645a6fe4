import { editConf } from "../../../provider/host/acl/conf-writer";
import { markerLine, upsertEntry } from "../../../provider/host/acl/owned-entries";
import { MemoryFiles } from "../../support/memory-files";

const F = "/etc/qemu/bridge.conf";

test("concurrent edits share one read-modify-write; an edit that throws fails alone and changes nothing", async () => {
  const files = new MemoryFiles({ [F]: "# site\n" });
  let writes = 0;
  const write = files.writeTextAtomic.bind(files);
  files.writeTextAtomic = async (p, t) => (writes++, write(p, t));
  const results = await Promise.allSettled([
    editConf(files, F, (c) => upsertEntry(c, "a", "allow", "br0")),
    editConf(files, F, () => {
      throw new Error("bad edit");
    }),
    editConf(files, F, (c) => upsertEntry(c, "b", "deny", "br1")),
  ]);
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect((results[1] as PromiseRejectedResult).reason.message).toBe("bad edit");
  expect(files.files.get(F)).toBe(`# site\n${markerLine("a", "br0")}\nallow br0\n${markerLine("b", "br1")}\ndeny br1\n`);
  expect(writes).toBe(1);
});

test("an edit that changes nothing does not write", async () => {
  const files = new MemoryFiles({ [F]: "allow x" });
  let writes = 0;
  files.writeTextAtomic = async () => void writes++;
  await editConf(files, F, (c) => c);
  expect(writes).toBe(0);
});

test("a failed write rejects every edit of the batch, and the next edit starts afresh", async () => {
  const files = new MemoryFiles({ [F]: "" });
  const write = files.writeTextAtomic.bind(files);
  files.writeTextAtomic = async () => {
    throw new Error("EROFS: read-only file system");
  };
  await expect(editConf(files, F, (c) => upsertEntry(c, "a", "allow", "br0"))).rejects.toThrow("EROFS");
  files.writeTextAtomic = write;
  await editConf(files, F, (c) => upsertEntry(c, "b", "allow", "br1"));
  expect(files.files.get(F)).toBe(`${markerLine("b", "br1")}\nallow br1\n`);
});
