import { Host, type HostOptions } from "./host";
import type { HostTarget } from "./target";
import type { CommandRunner } from "./runner/types";
import type { HostFiles } from "./files/types";
import { ExecaRunner } from "./runner/execa-runner";
import { LocalFiles } from "./files/local-files";

/**
 * Hands out one Host per network context, so every resource in a provider process shares its
 * snapshot and write batches. Tests make their own registry with a fake runner.
 */
export class HostRegistry {
  private readonly hosts = new Map<string, Host>();
  /** The first Host made per namespace: later ones share its snapshot and write batches. */
  private readonly byNetns = new Map<string, Host>();
  constructor(
    private readonly runner: CommandRunner = new ExecaRunner(),
    private readonly files: HostFiles = new LocalFiles(),
    private readonly options: HostOptions = {},
  ) {}

  hostFor(target: HostTarget = {}): Host {
    const key = JSON.stringify([target.netns ?? "", target.stateDir ?? ""]);
    let h = this.hosts.get(key);
    if (!h) {
      const netKey = target.netns ?? "";
      h = new Host(target, this.runner, this.files, this.options, this.byNetns.get(netKey));
      this.hosts.set(key, h);
      if (!this.byNetns.has(netKey)) this.byNetns.set(netKey, h);
    }
    return h;
  }
}
