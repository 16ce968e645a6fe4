import { CommandError, classifyFailure } from "../../../provider/host/runner/command-error";
import { isNamespaceGone, isTableGone } from "../../../provider/host/nft/nat-ops";

const NO_TABLE = "Error: No such file or directory\nlist table ip nope\n              ^^^^\n";
/** The same from `nft -f -` with `delete table`: with a position, and either wording. */
const NO_TABLE_F = "/dev/stdin:1:17-32: Error: Could not process rule: No such file or directory\ndelete table ip qemu_lab_nat_lab\n                ^^^^^^^^^^^^^^^^\n";
const NO_TABLE_HINT = "/dev/stdin:1:17-30: Error: No such file or directory; did you mean table ‘qemu_lab_nat_b’ in family ip?\ndelete table ip qemu_lab_nat_a\n";
const NO_NFT = 'exec of "nft" failed: No such file or directory\n';
const NO_NETNS = 'Cannot open network namespace "gone": No such file or directory\n';
const failure = (stderr: string, exitCode: number) => new CommandError({ argv: ["ip", "netns", "exec", "ns", "nft", "list", "table", "ip", "t"], exitCode, stdout: "", stderr });

describe("nft failures (stderr of nft 1.0.6 and iproute2 6.1 on this machine)", () => {
  test.each<[string, string, number, string]>([
    ["nft's own no such table", NO_TABLE, 1, "not-found"],
    ["nft not installed in ip netns exec", NO_NFT, 255, "missing-command"],
    ["any command not installed in ip netns exec", 'exec of "sysctl" failed: No such file or directory\n', 255, "missing-command"],
    ["the namespace gone", NO_NETNS, 1, "not-found"],
  ])("%s is classified %s", (_label, stderr, exitCode, kind) => {
    expect(classifyFailure(stderr, exitCode)).toBe(kind);
  });

  test.each<[string, string, number, boolean, boolean]>([
    ["nft's own no such table", NO_TABLE, 1, true, false],
    ["nft -f's no such table", NO_TABLE_F, 1, true, false],
    ["nft -f's no such table with a hint", NO_TABLE_HINT, 1, true, false],
    ["nft not installed", NO_NFT, 255, false, false],
    ["the namespace gone", NO_NETNS, 1, false, true],
    ["a syntax error", "Error: syntax error, unexpected newline\n", 1, false, false],
    ["another file missing, said by something else", "/etc/nftables.conf: No such file or directory\n", 1, false, false],
  ])("%s: table gone %s, namespace gone %s", (_label, stderr, exitCode, tableGone, namespaceGone) => {
    const e = failure(stderr, exitCode);
    expect([isTableGone(e), isNamespaceGone(e)]).toEqual([tableGone, namespaceGone]);
  });
});
