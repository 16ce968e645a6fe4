import { remoteCommandLine } from "../../../provider/host/ssh/ssh-runner";
import { classifyOpenError, resolveSshTarget } from "../../../provider/host/ssh/ssh-connection";
import { errnoOf, parseStat } from "../../../provider/host/ssh/ssh-files";
import { sshWhere } from "../../../provider/host/ssh/ssh-transport";
import { CommandError } from "../../../provider/host/runner/command-error";
import * as os from "node:os";

const P = "'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'"; // a word with "=" is always quoted

describe("remoteCommandLine", () => {
  test.each<[string[], { timeoutMs: number; env?: Record<string, string> }, string]>([
    [["ip", "-j", "link"], { timeoutMs: 30_000 }, `exec env ${P} timeout -k 2 -- 30.000 ip -j link`],
    [["sh", "-c", "echo $X; exit 2"], { timeoutMs: 1500 }, `exec env ${P} timeout -k 2 -- 1.500 sh -c 'echo $X; exit 2'`],
    [["true"], { timeoutMs: 0.2 }, `exec env ${P} timeout -k 2 -- 0.001 true`],
    [["x"], { timeoutMs: 1000, env: { A: "1", B_2: "two words" } }, `exec env ${P} 'A=1' 'B_2=two words' timeout -k 2 -- 1.000 x`],
    [["x"], { timeoutMs: 1000, env: { PATH: "/opt/bin" } }, `exec env ${P} 'PATH=/opt/bin' timeout -k 2 -- 1.000 x`], // env wins, as in ExecaRunner
    [["-n", ""], { timeoutMs: 1000 }, `exec env ${P} timeout -k 2 -- 1.000 -n ''`],
  ])("%j %j", (argv, opts, line) => {
    expect(remoteCommandLine(argv, opts)).toBe(line);
  });

  test.each([["A B"], ["1X"], ["X;Y"], [""]])("refuses env name %j", (name) => {
    expect(() => remoteCommandLine(["x"], { timeoutMs: 1, env: { [name]: "v" } })).toThrow(/not valid/);
  });

  test("refuses empty argv", () => {
    expect(() => remoteCommandLine([], { timeoutMs: 1 })).toThrow(/empty argv/);
  });
});

describe("classifyOpenError", () => {
  const openFailure = (reason: number) => Object.assign(new Error("(SSH) Channel open failure: open failed"), { reason });
  test.each<[string, unknown, boolean, string]>([
    ["socket gone", new Error("Not connected"), true, "connection-closed"],
    ["closed while opening", new Error("No response from server"), true, "connection-closed"],
    ["closed while opening a forward", new Error("No response from server"), false, "connection-closed"],
    ["MaxSessions (OpenSSH: CONNECT_FAILED)", openFailure(2), true, "refused"],
    ["administratively prohibited", openFailure(1), true, "refused"],
    ["forward to a missing socket", openFailure(2), false, "other"],
    ["exec refused after open", new Error("Unable to exec"), true, "other"],
    ["anything else", "text", true, "other"],
  ])("%s", (_n, e, session, kind) => {
    expect(classifyOpenError(e, session)).toBe(kind);
  });
});

describe("files helpers", () => {
  test.each<[string, string | undefined]>([
    ["cat: /x: No such file or directory", "ENOENT"],
    ["dd: failed to open '/x': Too many levels of symbolic links", "ELOOP"],
    ["mkdir: cannot create directory '/a': File exists", "EEXIST"],
    ["mv: cannot overwrite directory '/d' with non-directory", "EISDIR"],
    ["cat: /d: Is a directory", "EISDIR"],
    ["mkdir: cannot create directory '/f/x': Not a directory", "ENOTDIR"],
    ["mktemp: failed to create file via template: Permission denied", "EACCES"],
    ["sh: 1: cannot create /x: Read-only file system", "EROFS"],
    ["something else", undefined],
  ])("errnoOf(%j) = %s", (stderr, code) => {
    expect(errnoOf(stderr)).toBe(code);
  });

  test.each<[string, { mode: number; uid: number; ctimeMs: number }]>([
    ["81a4 0 1796237427.242983380\n", { mode: 0o100644, uid: 0, ctimeMs: 1796237427 * 1e3 + 242983380 / 1e6 }],
    ["89ed 1000 5.000000001", { mode: 0o104755, uid: 1000, ctimeMs: 5000.000001 }],
    ["41ed 0 0.000000000", { mode: 0o40755, uid: 0, ctimeMs: 0 }],
  ])("parseStat(%j)", (line, parsed) => {
    expect(parseStat(line)).toEqual(parsed);
  });

  test("parseStat refuses anything else", () => {
    expect(() => parseStat("81a4 0 1796237427\n")).toThrow(/unexpected stat output/);
  });
});

describe("naming", () => {
  test.each<[{ host: string; name?: string }, string]>([
    [{ host: "10.0.0.2" }, "10.0.0.2"],
    [{ host: "10.0.0.2", name: "hv2" }, "hv2 (10.0.0.2)"],
    [{ host: "hv2.lab", name: "" }, "hv2.lab"],
  ])("sshWhere(%j) = %s", (t, where) => {
    expect(sshWhere(t)).toBe(where);
  });

  test("defaults: port 22, user root, ~/.ssh/known_hosts", () => {
    expect(resolveSshTarget({ host: "hv2" })).toEqual({ host: "hv2", port: 22, user: "root", knownHostsPath: `${os.homedir()}/.ssh/known_hosts` });
  });

  test("CommandError with `where` starts with it; without, the message is unchanged", () => {
    const r = { argv: ["ip", "link", "add", "x y"], exitCode: 2, stdout: "", stderr: "RTNETLINK answers: File exists\n" };
    const plain = new CommandError(r);
    expect(plain.message).toBe("command failed with exit code 2: ip link add 'x y'\n  stderr: RTNETLINK answers: File exists\n  fix: the object already exists: set `adopt: true` to manage it, or choose another name");
    expect(plain.where).toBeUndefined();
    const remote = new CommandError({ ...r, where: "hv2 (10.0.0.2)" });
    expect(remote.message).toBe(`on hv2 (10.0.0.2): ${plain.message}`);
    expect(remote.where).toBe("hv2 (10.0.0.2)");
  });
});
