/**
 * "A new user can `npm install pulumi-qemu-lab`, write a program, and run `npx qemu-lab up`": the package as npm packs
 * it, installed from the tarball into a fresh program folder (its other dependencies from the registry, as a user
 * gets them), then `npx qemu-lab` stack init → config → up → refresh → destroy of a small lab in a namespace the
 * program creates, re-reading the kernel after each step.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { linkIn, netnsList, sh, uniqueName } from "../../support/netns";
import { steps } from "../../support/steps";

jest.setTimeout(600_000);

const ROOT = path.resolve(__dirname, "..", "..", "..");

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { Bridge, NetworkNamespace } from "pulumi-qemu-lab";

const config = new pulumi.Config();
const lab = new NetworkNamespace("lab", { name: config.require("namespace") });
const br = new Bridge("br0", { name: "qbr0", addresses: [config.get("address") ?? "192.168.90.1/24"], host: { netns: lab.name } });
export const bridgeMac = br.macAddress;
`;

describe("pulumi-qemu-lab installed from its npm tarball: npx qemu-lab runs a user's program", () => {
  const step = steps();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-packed-"));
  const program = path.join(work, "my-lab");
  const ns = uniqueName("qlk");
  const env: NodeJS.ProcessEnv = { ...process.env, QEMU_LAB_BACKEND_DIR: path.join(work, "backend"), PULUMI_CONFIG_PASSPHRASE: "packed" };
  delete env.NODE_OPTIONS; // jest's flag is not the user's

  const npx = (...args: string[]): string => {
    const r = spawnSync("npx", ["--no-install", "qemu-lab", ...args], { cwd: program, env, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npx qemu-lab ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  afterAll(() => {
    try {
      spawnSync("npx", ["--no-install", "qemu-lab", "destroy", "--yes"], { cwd: program, env, timeout: 120_000 });
    } finally {
      if (netnsList().includes(ns)) sh(["ip", "netns", "delete", ns], { allowFail: true });
      fs.rmSync(work, { recursive: true, force: true });
    }
    expect(netnsList()).not.toContain(ns);
  });

  step("npm pack, then npm install of the tarball into a new program folder", () => {
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", work], { cwd: ROOT, encoding: "utf8", env }).trim().split("\n").pop()!;
    fs.mkdirSync(program);
    fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: my-lab\nruntime: nodejs\nmain: index.ts\n");
    fs.writeFileSync(path.join(program, "index.ts"), PROGRAM);
    fs.writeFileSync(path.join(program, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "es2020", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
    fs.writeFileSync(
      path.join(program, "package.json"),
      JSON.stringify({ name: "my-lab", private: true, dependencies: { "pulumi-qemu-lab": `file:${path.join(work, tarball)}`, "@pulumi/pulumi": "~3.248.0", typescript: "~5.9.3" } }),
    );
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--silent"], { cwd: program, env, stdio: "pipe", timeout: 300_000 });
    expect(fs.existsSync(path.join(program, "node_modules", ".bin", "qemu-lab"))).toBe(true);
  });

  step("npx qemu-lab stack init, config set, up --yes: the namespace and its bridge exist", () => {
    npx("stack", "init", "dev");
    npx("config", "set", "namespace", ns);
    const out = npx("up", "--yes");
    expect(out).toMatch(/Resources:\n\s+\+ 3 created/);
    expect(netnsList()).toContain(ns);
    expect(linkIn(ns, "qbr0")?.linkinfo?.info_kind).toBe("bridge");
    expect(npx("stack", "output", "bridgeMac").trim()).toBe(linkIn(ns, "qbr0")?.address);
  });

  step("npx qemu-lab refresh --yes after an address removed by hand shows the drift; up repairs it", () => {
    sh(["ip", "-n", ns, "addr", "flush", "dev", "qbr0"]);
    expect(npx("refresh", "--yes")).toMatch(/Bridge br0 .*\[diff: [^\]]*~addresses/);
    npx("up", "--yes");
    const addrs = JSON.parse(sh(["ip", "-n", ns, "-j", "addr", "show", "dev", "qbr0"]))[0].addr_info.filter((a: { family: string }) => a.family === "inet");
    expect(addrs.map((a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`)).toEqual(["192.168.90.1/24"]);
  });

  step("npx qemu-lab destroy --yes: the namespace is gone", () => {
    npx("destroy", "--yes");
    expect(netnsList()).not.toContain(ns);
  });
});
