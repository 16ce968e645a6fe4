import { forgetSharedReads, sharedReadText } from "../../../provider/host/acl/shared-read";
import { MemoryFiles } from "../../support/memory-files";

test("concurrent reads share one readText; a read after settling or after forgetSharedReads reads anew", async () => {
  const files = new MemoryFiles({ "/f": "v1" });
  const [a, b] = await Promise.all([sharedReadText(files, "/f"), sharedReadText(files, "/f")]);
  expect([a, b, files.reads]).toEqual(["v1", "v1", 1]);

  const before = sharedReadText(files, "/f"); // in flight, started before the write
  files.files.set("/f", "v2");
  forgetSharedReads(files);
  const after = sharedReadText(files, "/f");
  expect(await after).toBe("v2");
  await before;
  expect(files.reads).toBe(3);
  expect(await sharedReadText(files, "/f")).toBe("v2");
});

test("a write forgets reads of every path: a reader naming the file through a link must not join a stale read", async () => {
  const files = new MemoryFiles({ "/etc/qemu/bridge.conf": "v1" });
  const stale = sharedReadText(files, "/etc/qemu/./bridge.conf"); // another spelling, in flight before the write
  files.files.set("/etc/qemu/./bridge.conf", "v2");
  forgetSharedReads(files); // what the writer does after writing the real path
  expect(await sharedReadText(files, "/etc/qemu/./bridge.conf")).toBe("v2");
  await stale;
});
