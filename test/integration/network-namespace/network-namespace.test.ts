import { checkAndCreate, testContext } from "../../support/provider-harness";
import { netnsList, sh, namespacesPerTest, uniqueName } from "../../support/netns";
import { makeProvider } from "../../../provider/kinds";

describe("NetworkNamespace on the real host", () => {
  const spaces = namespacesPerTest();

  test("create, read, drift, idempotent delete", async () => {
    const p = makeProvider("NetworkNamespace", testContext());
    const name = spaces.track(uniqueName("qlnn"));
    const { id, outs } = await checkAndCreate(p, { name });
    expect(id).toBe(name);
    expect(outs.created).toBe(true);
    expect(netnsList()).toContain(name);
    // lo is up inside, so forwards on 127.0.0.1 work in the lab.
    expect(sh(["ip", "-n", name, "-j", "link", "show", "lo"])).toContain('"UP"');

    expect((await p.read!(id, outs)).id).toBe(name);
    sh(["ip", "netns", "delete", name]); // out-of-band removal
    expect((await p.read!(id, outs)).id).toBeUndefined();
    await p.delete!(id, outs); // already gone: success
    expect(netnsList()).not.toContain(name);
  });

  test("refuses to take over an existing namespace unless adopt, and leaves an adopted one on delete", async () => {
    const p = makeProvider("NetworkNamespace", testContext());
    const name = spaces.create("qlad");
    await expect(checkAndCreate(p, { name })).rejects.toThrow(/already exists.*adopt: true/);
    const { id, outs } = await checkAndCreate(p, { name, adopt: true });
    expect(outs.created).toBe(false);
    await p.delete!(id, outs);
    expect(netnsList()).toContain(name);
  });

  test("a namespace left by an interrupted create carries our label on its loopback: the same resource resumes it", async () => {
    const name = spaces.track(uniqueName("qlno"));
    const owner = "lab/dev/ns";
    await checkAndCreate(makeProvider("NetworkNamespace", testContext()), { name, __owner: owner });
    expect(sh(["ip", "-n", name, "-j", "link", "show", "lo"])).toContain(`pulumi-qemu-lab:${owner}`);
    // State never recorded it; another resource is refused, the same one resumes it as its own.
    await expect(checkAndCreate(makeProvider("NetworkNamespace", testContext()), { name, __owner: "lab/dev/other" })).rejects.toThrow(/adopt: true/);
    const resumed = await checkAndCreate(makeProvider("NetworkNamespace", testContext()), { name, __owner: owner });
    expect(resumed.outs.created).toBe(true);
    await makeProvider("NetworkNamespace", testContext()).delete!(resumed.id, resumed.outs);
    expect(netnsList()).not.toContain(name);
  });

  test("delete removes /etc/netns/<name> only when nothing is left in it", async () => {
    const fs = await import("node:fs");
    const p = makeProvider("NetworkNamespace", testContext());
    for (const content of ["", "allow br0\n"]) {
      const name = spaces.track(uniqueName("qlet"));
      const { id, outs } = await checkAndCreate(p, { name });
      fs.mkdirSync(`/etc/netns/${name}/qemu`, { recursive: true });
      fs.writeFileSync(`/etc/netns/${name}/qemu/bridge.conf`, content);
      await p.delete!(id, outs);
      expect(fs.existsSync(`/etc/netns/${name}`)).toBe(content !== "");
    }
  });

  test("auto-names from the resource name and keeps the name on later checks", async () => {
    const p = makeProvider("NetworkNamespace", testContext());
    const first = await p.check!({}, { __resourceName: "lab" });
    expect(first.inputs.name).toMatch(/^lab-[0-9a-f]{5}$/);
    const again = await p.check!(first.inputs, { __resourceName: "lab" });
    expect(again.inputs.name).toBe(first.inputs.name);
  });
});
