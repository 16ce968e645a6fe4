import { forgetSharedRead, sharedReadText } from "../../../provider/host/acl/shared-read";
import { MemoryFiles } from "../../support/memory-files";

test("concurrent reads share one readText; a read after settling or after forgetSharedRead reads anew", async () => {
  const files = new MemoryFiles({ "/f": "v1" });
  const [a, b] = await Promise.all([sharedReadText(files, "/f"), sharedReadText(files, "/f")]);
  expect([a, b, files.reads]).toEqual(["v1", "v1", 1]);

  const before = sharedReadText(files, "/f"); // in flight, started before the write
  files.files.set("/f", "v2");
  forgetSharedRead(files, "/f");
  const after = sharedReadText(files, "/f");
  expect(await after).toBe("v2");
  await before;
  expect(files.reads).toBe(3);
  expect(await sharedReadText(files, "/f")).toBe("v2");
});
