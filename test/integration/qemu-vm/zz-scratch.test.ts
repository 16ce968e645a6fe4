import { makeProvider } from "../../../provider/resources/qemu-vm/provider";
import { checkAndCreate, testContext } from "../../support/provider-harness";
import { readFileSync } from "node:fs";
test("scratch", async () => {
  const p = makeProvider(testContext());
  const g = "/work/main/.cache/test-guest";
  const t0 = Date.now();
  const { id, outs } = await checkAndCreate(p, { name: "scratch", accel: process.env.ACC ?? "tcg", memoryMiB: 256, kernel: `${g}/vmlinuz`, initrd: `${g}/initrd.cpio.gz`,
    kernelArgs: "console=ttyS0 quiet lab.listen=22 lab.name=scr", host: { stateDir: "/tmp/qlscratch" }, nics: [{ type: "user", hostForwards: [{ hostAddress: "127.0.0.1", hostPort: 2299, guestPort: 22 }] }], stopTimeoutSeconds: 20 });
  console.log("created", Date.now() - t0, outs.acceleration, outs.status);
  for (let i = 0; i < 300; i++) { const s = readFileSync(outs.serialLog, "utf8"); if (s.includes("READY")) break; await new Promise((r) => setTimeout(r, 100)); }
  console.log("ready", Date.now() - t0, readFileSync(outs.serialLog, "utf8").slice(-600));
  const t1 = Date.now();
  await p.delete!(id, outs);
  console.log("deleted", Date.now() - t1);
});
