import { attributeBatchErrors, IpBatcher } from "../../../provider/host/ip/ip-batcher";
import { FakeRunner } from "../../support/fake-runner";

describe("ip batch error attribution", () => {
  test.each([
    ["", []],
    ["RTNETLINK answers: File exists\nCommand failed -:2\n", [[2, "RTNETLINK answers: File exists"]]],
    [
      'RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "nope"\nCommand failed -:3\n',
      [[2, "RTNETLINK answers: File exists"], [3, 'Cannot find device "nope"']],
    ],
    ["Bind /etc/netns/x/qemu -> /etc/qemu failed: No such file or directory\nError: x\nCommand failed -:1\n", [[1, "Error: x"]]],
  ])("%j", (stderr, expected) => {
    expect([...attributeBatchErrors(stderr).entries()]).toEqual(expected);
  });
});

describe("IpBatcher", () => {
  test("coalesces writes of one tick into one ip -force -batch process and attributes failures", async () => {
    const runner = new FakeRunner(true).on(/-batch/, {
      exitCode: 1,
      stderr: "RTNETLINK answers: File exists\nCommand failed -:2\n",
    });
    let writes = 0;
    const b = new IpBatcher(runner, ["ip", "-n", "lab"], () => writes++);
    const results = await Promise.allSettled([
      b.write(["link", "add", "a", "type", "bridge"]),
      b.write(["link", "add", "b", "type", "bridge"]),
      b.write(["link", "set", "a", "up"]),
    ]);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]!.argv).toEqual(["ip", "-n", "lab", "-force", "-batch", "-"]);
    expect(runner.calls[0]!.input).toBe("link add a type bridge\nlink add b type bridge\nlink set a up\n");
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const err = (results[1] as PromiseRejectedResult).reason;
    expect(err.kind).toBe("exists");
    expect(err.message).toContain("ip -n lab link add b type bridge");
    expect(writes).toBeGreaterThan(0);
  });

  test("a lone write runs as a plain ip command; arguments with whitespace never go in a batch", async () => {
    const runner = new FakeRunner(true).on(/.*/, {});
    const b = new IpBatcher(runner, ["ip"], () => undefined);
    await Promise.all([b.write(["link", "set", "a", "up"]), b.write(["link", "set", "b", "alias", "two words"])]);
    expect(runner.commands().sort()).toEqual(["ip link set a up", "ip link set b alias two words"].sort());
  });
});

describe("IpBatcher with a batch in flight", () => {
  test("writes arriving while a batch runs wait and go together in the next one", async () => {
    const inputs: string[] = [];
    let release!: () => void;
    const runner = {
      run: async (argv: readonly string[], o: { input?: string } = {}) => {
        inputs.push(o.input ?? argv.join(" "));
        if (inputs.length === 1) await new Promise<void>((r) => (release = r));
        return { argv, exitCode: 0, stdout: "", stderr: "", durationMs: 0 };
      },
    };
    const b = new IpBatcher(runner, ["ip"], () => undefined);
    const first = [b.write(["link", "set", "a", "up"]), b.write(["link", "set", "b", "up"])];
    await new Promise((r) => setImmediate(r)); // the first batch is running now
    const later = [b.write(["link", "set", "c", "up"]), b.write(["link", "set", "d", "up"])];
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(inputs).toHaveLength(1); // c and d wait for the running batch
    release();
    await Promise.all([...first, ...later]);
    expect(inputs).toEqual(["link set a up\nlink set b up\n", "link set c up\nlink set d up\n"]);
  });
});
