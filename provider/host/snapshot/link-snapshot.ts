import type { IpLink } from "../ip/ip-json";

/** One read of a namespace's links with their addresses (`ip -j -d addr show`), indexed by name. */
export class LinkSnapshot {
  readonly byName: ReadonlyMap<string, IpLink>;
  constructor(readonly links: readonly IpLink[], readonly takenAt: number) {
    this.byName = new Map(links.map((l) => [l.ifname, l]));
  }
  get(name: string): IpLink | undefined {
    return this.byName.get(name);
  }
  /** Links enslaved to `master`. */
  portsOf(master: string): IpLink[] {
    return this.links.filter((l) => l.master === master);
  }
}
