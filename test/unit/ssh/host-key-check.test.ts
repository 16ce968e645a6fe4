import { hostKeyAlgorithms, verifyHostKey, type HostKeyPolicy } from "../../../provider/host/ssh/host-key-check";
import { parsePublicKey } from "../../../provider/host/ssh/host-key";
import { parseKnownHosts } from "../../../provider/host/ssh/known-hosts";

const K1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOjWW4CEKXwCLn6WSX0SIoRVR85I0ElghaT79DiW+JNG";
const K1_FP = "SHA256:xSwHDnIqxI+eujh6uSlMr26W+YiVjMtD8gW3b7Bp3f4";
const K2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILLcwHlfO6S/0UwN5pqaYIZGyatFOsQ+KV3sQCWmAtc/";
const K2_FP = "SHA256:yepMFQ42rLzoNorOZ2r77OSafD3r2/TIE9N5V4SMfSU";
const K3 =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDUNnYODwRqPPHTI4F+3+GMEwkZ81ZdqQexnQfEHbFy9zZ/nnf+JVY30ZC2VXwf/igCDsY5dm3k3FTvHlEPq77vbRBWTv25+DZWdibXDMlPTj43zqWPPc0jGF+iAdfRQqvyRHhYjNQ2M3zljzeLprqjNYuKXGDYop/jtlvle5u/GQ==";
const blob = (line: string) => parsePublicKey(line)!.blob;

const policy = (over: Partial<HostKeyPolicy> & { known?: string } = {}): HostKeyPolicy => ({
  host: "10.0.0.2",
  port: 2222,
  where: "hv2 (10.0.0.2)",
  knownHostsPath: "/root/.ssh/known_hosts",
  knownHosts: parseKnownHosts(over.known ?? ""),
  ...over,
});

describe("verifyHostKey", () => {
  test("a known key passes; a pinned key passes without known_hosts", () => {
    expect(verifyHostKey(policy({ known: `[10.0.0.2]:2222 ${K1}` }), blob(K1))).toBeUndefined();
    expect(verifyHostKey(policy({ pinned: parsePublicKey(K1) }), blob(K1))).toBeUndefined();
  });

  test("an unknown key: its fingerprint as ssh-keygen -l prints it, and how to trust it", () => {
    const e = verifyHostKey(policy(), blob(K1))!;
    expect(e.problem).toBe("unknown");
    expect(e.presented).toBe(K1_FP);
    expect(e.message).toBe(
      `host key of hv2 (10.0.0.2) (10.0.0.2 port 2222) is not known: the server presented ssh-ed25519 ${K1_FP}, which ` +
        `/root/.ssh/known_hosts does not list for [10.0.0.2]:2222. Check that fingerprint on the host itself ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); if it matches, trust it with ` +
        "`ssh-keyscan -p 2222 10.0.0.2 >> /root/.ssh/known_hosts`, " +
        `or pin it: hostKey: "${K1}".`,
    );
  });

  test("a changed key names both fingerprints and the line", () => {
    const e = verifyHostKey(policy({ known: `# x\n[10.0.0.2]:2222 ${K2}` }), blob(K1))!;
    expect(e.problem).toBe("changed");
    expect(e.message).toContain(`known_hosts has ssh-ed25519 ${K2_FP} (/root/.ssh/known_hosts line 2), but the server presented ssh-ed25519 ${K1_FP}`);
    expect(e.message).toContain("ssh-keygen -R '[10.0.0.2]:2222' -f /root/.ssh/known_hosts");
    expect(e.message).toMatch(/^HOST KEY CHANGED for hv2 \(10\.0\.0\.2\)/);
  });

  test("a pin that differs names both fingerprints", () => {
    const e = verifyHostKey(policy({ pinned: parsePublicKey(K2), known: `[10.0.0.2]:2222 ${K1}` }), blob(K1))!;
    expect(e.problem).toBe("changed");
    expect(e.message).toContain(`hostKey pins ssh-ed25519 ${K2_FP}, but the server presented ssh-ed25519 ${K1_FP}`);
  });

  test("a revoked key is refused even when listed", () => {
    const e = verifyHostKey(policy({ known: `@revoked * ${K1}\n[10.0.0.2]:2222 ${K1}` }), blob(K1))!;
    expect(e.problem).toBe("revoked");
    expect(e.message).toContain("marked @revoked in /root/.ssh/known_hosts line 1");
  });
});

describe("hostKeyAlgorithms: trusted types first", () => {
  const all = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  test.each<[string, Partial<HostKeyPolicy> & { known?: string }, string[]]>([
    ["nothing known: ssh2's order", {}, all],
    ["known RSA: its SHA-2 signatures first", { known: `[10.0.0.2]:2222 ${K3}` }, ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", ...all.slice(0, 4)]],
    ["pinned ed25519", { pinned: parsePublicKey(K1), known: `[10.0.0.2]:2222 ${K3}` }, all],
    ["another host's keys do not count", { known: `hv9 ${K3}` }, all],
  ])("%s", (_n, over, expected) => {
    expect(hostKeyAlgorithms(policy(over))).toEqual(expected);
  });
});
