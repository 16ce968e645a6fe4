/**
 * The real CLI with a local file backend attempts no network access: every socket connect() made by `pulumi up`
 * and `pulumi destroy` and all their children (language host, program, dynamic-provider plugin) — traced with
 * strace — goes to loopback or a Unix socket. No update check, no plugin download, no cloud backend.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { uniqueName } from "../../support/netns";
import { pulumiCliBin } from "../../support/pulumi-cli";
import { FILES_PROGRAM } from "../driver/helpers";

jest.setTimeout(120_000);

/** connect() targets in an strace log: "AF_UNIX", "127.0.0.1", "::1", or any other address. */
function connectTargets(trace: string): string[] {
  return [...trace.matchAll(/connect\(\d+, \{sa_family=(AF_\w+)(?:, sin_port=htons\(\d+\), sin_addr=inet_addr\("([^"]+)"\)|, sin6_port=htons\(\d+\),[^}]*inet_pton\(AF_INET6, "([^"]+)")?/g)].map(
    (m) => m[2] ?? m[3] ?? m[1]!,
  );
}

describe("the real Pulumi CLI on a file backend attempts no network access", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-nonet-"));
  const stack = uniqueName("nonet");
  const env = {
    ...process.env,
    PATH: `${pulumiCliBin()}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_BACKEND_URL: `file://${work}/backend`,
    PULUMI_HOME: `${work}/home`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "1",
  };
  const pulumi = (args: string[]) => execFileSync("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: FILES_PROGRAM, env, stdio: "pipe", timeout: 90_000 });
  const traced = (args: string[]): string[] => {
    const log = path.join(work, `${args[0]}.trace`);
    execFileSync("strace", ["-f", "-qq", "-e", "trace=connect", "-o", log, "pulumi", ...args, "--stack", stack, "--non-interactive"], { cwd: FILES_PROGRAM, env, stdio: "pipe", timeout: 90_000 });
    return connectTargets(fs.readFileSync(log, "utf8"));
  };

  beforeAll(() => {
    fs.mkdirSync(path.join(work, "backend"));
    execFileSync("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: FILES_PROGRAM, env, stdio: "pipe" });
    pulumi(["config", "set", "root", work]);
    pulumi(["config", "set", "objects", JSON.stringify([{ name: "a", content: "A" }])]);
  });

  afterAll(() => {
    try {
      execFileSync("pulumi", ["stack", "rm", "--yes", "--force", stack, "--non-interactive"], { cwd: FILES_PROGRAM, env, stdio: "pipe" });
    } finally {
      fs.rmSync(path.join(FILES_PROGRAM, `Pulumi.${stack}.yaml`), { force: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("the strace pattern reads loopback, Unix and remote targets (so the test below can fail)", () => {
    const sample = [
      'connect(7, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0',
      'connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.1.1")}, 16) = -1 ENETUNREACH',
      'connect(9, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
    ].join("\n");
    expect(connectTargets(sample)).toEqual(["AF_UNIX", "140.82.1.1", "::1"]);
  });

  it("up and destroy connect only to loopback and Unix sockets", () => {
    const objects = () => fs.readdirSync(work).filter((f) => f.startsWith("a-"));
    const up = traced(["up", "--yes", "--skip-preview"]);
    expect(objects()).toHaveLength(1); // the up really ran the program and the provider
    const destroy = traced(["destroy", "--yes", "--skip-preview"]);
    expect(objects()).toEqual([]);
    for (const targets of [up, destroy]) {
      expect(targets.filter((t) => t === "127.0.0.1").length).toBeGreaterThan(0); // tracing saw the gRPC between engine and plugins
      expect(targets.filter((t) => !["127.0.0.1", "::1", "AF_UNIX"].includes(t))).toEqual([]);
    }
  });
});
