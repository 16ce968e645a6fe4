/**
 * The cloud-config check reports only key paths the document has, never a value: `cloud-init schema` quotes values,
 * and user data is secret. The parser is pure; the check is run against Debian's real `cloud-init schema`.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HostRegistry } from "../../../provider/host/host-registry";
import { checkCloudConfig, isCloudConfig, schemaErrorKeys, topLevelKeys } from "../../../provider/host/qemu/cloud-config-check";
import { messageOf } from "../../../provider/host/runner/message-of";

const REAL =
  "Error:\nCloud config schema errors: packages: 5 is not of type 'array', runcmd: 'x, y: z' is not of type 'array', users.0: {'name': 7, 'sudo': [1, 2]} is not valid under any of the given schemas\n";

test.each([
  ["#cloud-config\npackages: [x]\n", true],
  ["#cloud-config", true],
  ["#cloud-config  \r\nusers: []", true],
  ["#!/bin/sh\necho hi\n", false],
  [" #cloud-config\n", false],
  ["#cloud-configx\n", false],
])("isCloudConfig(%j) = %s", (text, expected) => {
  expect(isCloudConfig(text)).toBe(expected);
});

test.each([
  ["the real output: keys only, a 'key' inside a quoted value dropped", REAL, ["packages", "runcmd", "users", "bogus"], ["packages", "runcmd", "users.0"]],
  ["a key the document does not have is never repeated", REAL, ["packages"], ["packages"]],
  ["no error line", "Valid cloud-config: f\n", ["packages"], []],
])("schemaErrorKeys: %s", (_name, output, keys, expected) => {
  expect(schemaErrorKeys(output, new Set(keys))).toEqual(expected);
});

test.each([
  ["#cloud-config\npackages: 5\nusers: []\n", ["packages", "users"]],
  ["#cloud-config\n- a\n", undefined],
  ["#cloud-config\nfoo: [\n", undefined],
])("topLevelKeys(%j)", (text, expected) => {
  const keys = topLevelKeys(text);
  expect(keys === undefined ? undefined : [...keys]).toEqual(expected);
});

const hasCloudInit = (() => {
  try {
    execFileSync("cloud-init", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("against Debian's cloud-init schema", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qlab-cc-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const host = new HostRegistry().hostFor({});
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text, { mode: 0o600 });
    return f;
  };

  test("cloud-init is installed (the prerequisites script installs it)", () => {
    expect(hasCloudInit).toBe(true);
  });

  test("valid cloud-config, and shell user data, pass", async () => {
    const good = "#cloud-config\npackages: [nginx]\nusers:\n  - name: lab\n    ssh_authorized_keys: ['ssh-ed25519 AAAA lab']\nruncmd: [[touch, /ok]]\n";
    await expect(checkCloudConfig(host, good, write("good", good))).resolves.toBeUndefined();
    const shell = "#!/bin/sh\nexit 0\n";
    await expect(checkCloudConfig(host, shell, write("shell", shell))).resolves.toBeUndefined();
  });

  test("invalid cloud-config fails naming the keys, and no value (a password here) appears in the message", async () => {
    const bad = "#cloud-config\npackages: hunter2-secret\nchpasswd: {expire: false}\nusers:\n  - name: lab\n    passwd: hunter2-secret\n    lock_passwd: 'hunter2-secret'\n";
    const err = await checkCloudConfig(host, bad, write("bad", bad)).then(() => undefined, (e: unknown) => messageOf(e));
    expect(err).toMatch(/^cloudInit\.userData is not valid cloud-config .*check `packages`/);
    expect(err).not.toContain("hunter2");
  });
});
