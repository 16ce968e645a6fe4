import * as path from "node:path";
import { addressesByMac } from "../../../provider/host/dnsmasq/lease-lookup";
import { MemoryFiles } from "../../support/memory-files";

/** MemoryFiles that can list a directory (what addressesByMac needs to find every server). */
class ListingFiles extends MemoryFiles {
  async listDir(dir: string): Promise<string[]> {
    const names = new Set<string>();
    for (const k of this.files.keys()) if (k.startsWith(dir + "/")) names.add(k.slice(dir.length + 1).split("/")[0]!);
    return [...names].sort();
  }
}

const S = "/var/lib/qemu-lab";
const NOW = 1_700_000_000_000;
const at = (name: string, file: string) => path.join(S, "dhcp", name, file);

describe("addressesByMac", () => {
  test("static leases first, then current leases, per server; lower-case MACs; no repeats; expired and infinite", async () => {
    const files = new ListingFiles({
      [at("a", "hosts")]: "52:54:00:00:00:01,10.0.0.5,web\n52:54:00:00:00:02,10.0.0.6\n",
      [at("a", "leases")]:
        "1700000100 52:54:00:00:00:01 10.0.0.5 web *\n" + // same as its static lease: once
        "1700000100 52:54:00:00:00:03 10.0.0.150 * *\n" +
        "1699999999 52:54:00:00:00:04 10.0.0.151 old *\n" + // expired: skipped
        "0 52:54:00:00:00:05 10.0.0.152 forever *\n",
      [at("b", "hosts")]: "52:54:00:AA:00:01,10.1.0.5\n",
      [at("b", "leases")]: "1700000100 52:54:00:00:00:03 10.1.0.77 * *\n",
      [at("c", "dnsmasq.conf")]: "x", // a server without hosts or lease file
    });
    const got = await addressesByMac(files, S, NOW);
    expect(Object.fromEntries(got)).toEqual({
      "52:54:00:00:00:01": ["10.0.0.5"],
      "52:54:00:00:00:02": ["10.0.0.6"],
      "52:54:00:00:00:03": ["10.0.0.150", "10.1.0.77"],
      "52:54:00:00:00:05": ["10.0.0.152"],
      "52:54:00:aa:00:01": ["10.1.0.5"],
    });
  });

  test("no dhcp directory: no addresses; a directory name that is not a server's is ignored", async () => {
    expect((await addressesByMac(new ListingFiles(), S, NOW)).size).toBe(0);
    const files = new ListingFiles({ [path.join(S, "dhcp", ".tmp", "hosts")]: "52:54:00:00:00:01,10.0.0.5\n" });
    expect((await addressesByMac(files, S, NOW)).size).toBe(0);
  });

  test("HostFiles without listDir: no addresses (nothing to enumerate)", async () => {
    expect((await addressesByMac(new MemoryFiles({ [at("a", "hosts")]: "52:54:00:00:00:01,10.0.0.5\n" }), S, NOW)).size).toBe(0);
  });
});
