import { checkKnownHosts, hostFieldMatches, hostNameFor, knownKeyTypes, parseKnownHosts } from "../../../provider/host/ssh/known-hosts";
import { fingerprint, keyTypeOf, parsePublicKey } from "../../../provider/host/ssh/host-key";

// Keys and hashed lines made with ssh-keygen (fingerprints as `ssh-keygen -l` printed them).
const K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOjWW4CEKXwCLn6WSX0SIoRVR85I0ElghaT79DiW+JNG";
const K1_FP = "SHA256:xSwHDnIqxI+eujh6uSlMr26W+YiVjMtD8gW3b7Bp3f4";
const K2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILLcwHlfO6S/0UwN5pqaYIZGyatFOsQ+KV3sQCWmAtc/";
const K2_FP = "SHA256:yepMFQ42rLzoNorOZ2r77OSafD3r2/TIE9N5V4SMfSU";
const K3 =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDUNnYODwRqPPHTI4F+3+GMEwkZ81ZdqQexnQfEHbFy9zZ/nnf+JVY30ZC2VXwf/igCDsY5dm3k3FTvHlEPq77vbRBWTv25+DZWdibXDMlPTj43zqWPPc0jGF+iAdfRQqvyRHhYjNQ2M3zljzeLprqjNYuKXGDYop/jtlvle5u/GQ==";
const K3_FP = "SHA256:FBEBaPZSyOZ5Xg7GAUcyyFZ+0QSIntRXzRlEfqUGgsY";
/** `ssh-keygen -H` of "[hv2.example]:2222 K1" and "hv3.example K2". */
const HASHED_HV2_2222 = "|1|whHJLbs3mWGA6lU98c4LGs1eMyQ=|L0ZLGVWGDy/ypw7Z2k8Ya5SdCiY=";
const HASHED_HV3 = "|1|/gYA6jy09wHTfMQcqOdg0Sx299U=|+ca2TzIIlD+cXolmK3AsxT8B7Kk=";

const blob = (line: string) => parsePublicKey(line)!.blob;

describe("host keys", () => {
  test.each([
    [K1, "ssh-ed25519", K1_FP],
    [K2, "ssh-ed25519", K2_FP],
    [K3, "ssh-rsa", K3_FP],
  ])("fingerprint as ssh-keygen -l prints it: %#", (line, type, fp) => {
    expect(keyTypeOf(blob(line))).toBe(type);
    expect(fingerprint(blob(line))).toBe(fp);
  });

  test.each<[string, boolean]>([
    [K1, true],
    [`${K1} a comment with spaces`, true],
    [`  ${K1}\n`, true],
    ["ssh-rsa " + K1.split(" ")[1], false], // type outside differs from the type inside
    [K1.slice(0, -4), false], // truncated
    ["AAAAC3NzaC1lZDI1NTE5AAAAIOjWW4CEKXwCLn6WSX0SIoRVR85I0ElghaT79DiW+JNG", false],
    ["", false],
  ])("parsePublicKey(%j) is a key: %s", (line, ok) => {
    expect(parsePublicKey(line) !== undefined).toBe(ok);
  });
});

describe("known_hosts parsing", () => {
  test("markers, comments, blank and broken lines", () => {
    const text = [
      "# comment",
      "",
      `hv1,10.0.0.1 ${K1} c`,
      `@revoked * ${K2}`,
      `@cert-authority *.lab ${K3}`,
      `@unknown-marker hv9 ${K1}`,
      "hv8 ssh-ed25519 not-base64!",
      `hv7 ${K3.split(" ")[1]}`,
      `  [hv2]:2222\t${K3}  `,
    ].join("\n");
    expect(parseKnownHosts(text).map((e) => [e.line, e.marker ?? "", e.hosts, e.key.type])).toEqual([
      [3, "", "hv1,10.0.0.1", "ssh-ed25519"],
      [4, "revoked", "*", "ssh-ed25519"],
      [5, "cert-authority", "*.lab", "ssh-rsa"],
      [9, "", "[hv2]:2222", "ssh-rsa"],
    ]);
  });

  test.each<[string, number, string]>([
    ["hv2", 22, "hv2"],
    ["HV2.Example", 22, "hv2.example"],
    ["hv2", 2222, "[hv2]:2222"],
    ["10.0.0.2", 2200, "[10.0.0.2]:2200"],
    ["fe80::1", 22, "fe80::1"],
  ])("hostNameFor(%s, %d) = %s", (h, p, name) => {
    expect(hostNameFor(h, p)).toBe(name);
  });

  test.each<[string, string, boolean]>([
    ["hv2", "hv2", true],
    ["HV2", "hv2", true],
    ["hv1,hv2,hv3", "hv2", true],
    ["hv1,hv3", "hv2", false],
    ["hv2", "[hv2]:2222", false], // a plain name is port 22 only
    ["[hv2]:2222", "[hv2]:2222", true],
    ["[hv2]:2222", "hv2", false],
    ["[hv2]:2223", "[hv2]:2222", false],
    ["*.lab", "hv2.lab", true],
    ["*.lab", "hv2.lab.evil", false],
    ["hv?", "hv2", true],
    ["hv?", "hv22", false],
    ["*", "anything", true],
    ["*.lab,!hv2.lab", "hv2.lab", false],
    ["!hv2.lab,*.lab", "hv2.lab", false],
    ["*.lab,!hv2.lab", "hv3.lab", true],
    ["!hv2.lab", "hv3.lab", false], // a negation alone matches nothing
    ["10.0.0.*", "10.0.0.2", true],
    ["10.0.0.*", "10.0.1.2", false],
    ["hv.2", "hvx2", false], // "." is literal
    [HASHED_HV2_2222, "[hv2.example]:2222", true],
    [HASHED_HV2_2222, "hv2.example", false],
    [HASHED_HV3, "hv3.example", true],
    [HASHED_HV3, "hv2.example", false],
    ["|1|broken", "hv2", false],
  ])("host field %j matches %j: %s", (field, name, ok) => {
    expect(hostFieldMatches(field, name)).toBe(ok);
  });
});

describe("checkKnownHosts", () => {
  const file = parseKnownHosts(
    [
      `hv1 ${K1}`,
      `[hv2]:2222 ${K2}`,
      `${HASHED_HV3} ${K2}`,
      `hv4 ${K3}`,
      `hv4 ${K1}`,
      `@revoked hv5 ${K2}`,
      `hv5 ${K2}`,
      `hv6 ${K3}`,
      `@cert-authority hv7 ${K1}`,
    ].join("\n"),
  );
  test.each<[string, number, string, string, number[]]>([
    ["hv1", 22, K1, "known", [1]],
    ["hv1", 22, K2, "changed", [1]],
    ["hv1", 2222, K1, "unknown", []], // hv1 is known on port 22 only
    ["hv2", 2222, K2, "known", [2]],
    ["hv2", 22, K2, "unknown", []],
    ["hv3.example", 22, K2, "known", [3]],
    ["hv3.example", 22, K1, "changed", [3]],
    ["hv4", 22, K1, "known", [5]], // one of several keys
    ["hv4", 22, K2, "changed", [4, 5]],
    ["hv5", 22, K2, "revoked", [6]], // revoked wins over a line that lists it
    ["hv6", 22, K1, "changed", [8]], // known only with an RSA key: an ed25519 one is a change
    ["hv7", 22, K1, "unknown", []], // CA lines are never a match
    ["nowhere", 22, K1, "unknown", []],
  ])("%s port %d presenting %#: %s", (host, port, key, status, lines) => {
    const v = checkKnownHosts(file, host, port, blob(key));
    expect(v.status).toBe(status);
    const got = v.status === "changed" ? v.entries.map((e) => e.line) : "entry" in v ? [v.entry.line] : [];
    expect(got).toEqual(lines);
  });

  test("knownKeyTypes lists the types recorded for a host, revoked and CA lines aside", () => {
    expect(knownKeyTypes(file, "hv4", 22)).toEqual(["ssh-rsa", "ssh-ed25519"]);
    expect(knownKeyTypes(file, "hv5", 22)).toEqual(["ssh-ed25519"]);
    expect(knownKeyTypes(file, "hv7", 22)).toEqual([]);
  });
});
