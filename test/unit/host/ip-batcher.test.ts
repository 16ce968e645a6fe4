import { attributeBatchErrors, batchFailures, IpBatcher } from "../../../provider/host/ip/ip-batcher";
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

describe("ip batch failures, including lines that never ran", () => {
  const STOPPED = (code: number, msg: string) => `ip -batch stopped (exit ${code}) with an error it did not attribute to a line: ${msg}; this command may not have run`;
  test.each<[string, string, number, number, [number, string][]]>([
    ["all ran", "", 0, 3, []],
    ["one attributed failure, the rest ran", "RTNETLINK answers: File exists\nCommand failed -:2\n", 1, 3, [[2, "RTNETLINK answers: File exists"]]],
    // Seen on iproute2 6.1: `addr add 10.2.0.1/08` on line 2 makes ip exit 1 at once; lines 3 and 4 never ran.
    [
      "exit 1 with an unattributed parse error: every line may not have run",
      'Error: any valid prefix is expected rather than "10.2.0.1/08".\n',
      1,
      4,
      [1, 2, 3, 4].map((n) => [n, STOPPED(1, 'Error: any valid prefix is expected rather than "10.2.0.1/08".')]),
    ],
    [
      "an attributed failure, then a fatal one: lines after the attributed one fail",
      'RTNETLINK answers: File exists\nCommand failed -:1\nError: argument "x" is wrong\n',
      1,
      3,
      [[1, "RTNETLINK answers: File exists"], [2, STOPPED(1, 'Error: argument "x" is wrong')], [3, STOPPED(1, 'Error: argument "x" is wrong')]],
    ],
    ["a non-zero exit with no message at all", "", 255, 2, [[1, STOPPED(255, "(no message)")], [2, STOPPED(255, "(no message)")]]],
    ["the netns bind warning alone is not an error", "Bind /etc/netns/x/qemu -> /etc/qemu failed: No such file or directory\n", 0, 2, []],
  ])("%s", (_n, stderr, exit, count, expected) => {
    expect([...batchFailures(stderr, exit, count).entries()].sort((a, b) => a[0] - b[0])).toEqual(expected);
  });

  test("the batcher rejects every line of a batch ip abandoned (the defect: all resolved)", async () => {
    const runner = new FakeRunner(true).on(/-batch/, { exitCode: 1, stderr: 'Error: any valid prefix is expected rather than "10.2.0.1/08".\n' });
    const b = new IpBatcher(runner, ["ip", "-n", "lab"], () => undefined);
    const results = await Promise.allSettled([
      b.write(["addr", "add", "10.1.0.1/24", "dev", "br0"]),
      b.write(["addr", "add", "10.2.0.1/08", "dev", "br0"]),
      b.write(["link", "set", "dev", "br0", "up"]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect((results[2] as PromiseRejectedResult).reason.message).toContain("ip -n lab link set dev br0 up");
    expect((results[2] as PromiseRejectedResult).reason.message).toContain("may not have run");
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
