/** Canonical text of an IPv4/IPv6 CIDR (lower-case, compressed v6) so host answers and inputs compare equal. */
import { isIP } from "node:net";

export function canonicalCidr(cidr: string): string {
  const [addr, prefix] = cidr.split("/");
  if (addr === undefined || prefix === undefined) return cidr;
  return `${canonicalIp(addr)}/${Number(prefix)}`;
}

export function canonicalIp(addr: string): string {
  if (isIP(addr) !== 6) return addr;
  const [head, tail] = addr.toLowerCase().split("::") as [string, string | undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const expand = (g: string[]) => g.flatMap((x) => (x.includes(".") ? v4ToGroups(x) : [x]));
  const hh = expand(h);
  const tt = expand(t);
  const groups = addr.includes("::") ? [...hh, ...Array(8 - hh.length - tt.length).fill("0"), ...tt] : hh;
  const nums = groups.map((g) => parseInt(g, 16));
  // Compress the longest run of zeros (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (nums[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && nums[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = nums.map((n) => n.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function v4ToGroups(v4: string): string[] {
  const b = v4.split(".").map(Number);
  return [((b[0]! << 8) | b[1]!).toString(16), ((b[2]! << 8) | b[3]!).toString(16)];
}
