import { DEFAULT_STATE_DIR, type HostTarget } from "./target";
import type { CommandResult, CommandRunner, RunOptions } from "./runner/types";
import type { HostFiles } from "./files/types";
import type { HostTransport } from "./transport";
import { withQmp, type QmpClient, type QmpConnectOptions } from "./qemu/qmp-client";
import { IpBatcher } from "./ip/ip-batcher";
import { linkSchema, parseIpJson } from "./ip/ip-json";
import { LinkSnapshot } from "./snapshot/link-snapshot";
import { SnapshotCache } from "./snapshot/snapshot-cache";

/** Options for a Host. */
export interface HostOptions {
  /** How long one read of the namespace may be shared by concurrent callers (default 1000 ms). */
  snapshotMaxAgeMs?: number;
}

/**
 * One network context on one machine (a namespace, or the root namespace) with the seams every
 * host operation uses: the command runner, file access, QMP sockets, a shared link snapshot and coalesced `ip`
 * writes. The machine is this one or one over SSH (its {@link HostTransport}). Knows nothing of Pulumi.
 */
export class Host {
  readonly netns?: string;
  readonly stateDir: string;
  readonly runner: CommandRunner;
  readonly files: HostFiles;
  private readonly linksCache: SnapshotCache<LinkSnapshot>;
  private readonly batcher: IpBatcher;

  /**
   * @param shareWith another Host on the same network namespace whose snapshot and write batches this one
   *   shares (hosts that differ only in stateDir see one another's writes).
   */
  constructor(
    readonly target: HostTarget,
    readonly transport: HostTransport,
    options: HostOptions = {},
    shareWith?: Host,
  ) {
    this.netns = target.netns;
    this.stateDir = target.stateDir ?? DEFAULT_STATE_DIR;
    this.runner = transport.runner;
    this.files = transport.files;
    if (shareWith && shareWith.netns === this.netns && shareWith.transport.id === transport.id) {
      this.linksCache = shareWith.linksCache;
      this.batcher = shareWith.batcher;
    } else {
      this.linksCache = new SnapshotCache(() => this.readLinks(), options.snapshotMaxAgeMs ?? 1000);
      this.batcher = new IpBatcher(this.runner, this.ipPrefix(), () => this.linksCache.invalidate());
    }
  }

  /** The machine as messages name it ("this machine", or e.g. `hv2 (10.0.0.2)`). */
  get where(): string {
    return this.transport.where;
  }

  /** Run `fn` with a QMP client on the socket at `socketPath` on this machine (one user at a time per socket). */
  withQmp<T>(socketPath: string, fn: (qmp: QmpClient) => Promise<T>, opts: Omit<QmpConnectOptions, "via"> = {}): Promise<T> {
    return withQmp(socketPath, fn, { ...opts, via: this.transport });
  }

  /** `ip` targeted at this namespace. */
  ipPrefix(): string[] {
    return this.netns ? ["ip", "-n", this.netns] : ["ip"];
  }

  /** argv run inside this namespace (`ip netns exec`). */
  inNetns(argv: readonly string[]): string[] {
    return this.netns ? ["ip", "netns", "exec", this.netns, ...argv] : [...argv];
  }

  /** Run argv inside this namespace. Writes should call {@link invalidate} (or use {@link ipWrite}). */
  exec(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    return this.runner.run(this.inNetns(argv), options);
  }

  /** Run a read-only `ip` command in this namespace and return stdout. */
  async ipRead(args: readonly string[], options?: RunOptions): Promise<string> {
    return (await this.runner.run([...this.ipPrefix(), ...args], options)).stdout;
  }

  /** Run an `ip` write command; concurrent writes are coalesced into one `ip -batch` process. */
  ipWrite(args: readonly string[]): Promise<void> {
    return this.batcher.write(args);
  }

  /** Links and addresses of this namespace, shared among concurrent readers and re-read after any write. */
  links(): Promise<LinkSnapshot> {
    return this.linksCache.get();
  }

  /**
   * Links read after this call: create, update and delete act on these (what a person changed by hand a moment
   * ago counts); later `links()` calls share the result until the next write.
   */
  freshLinks(): Promise<LinkSnapshot> {
    return this.linksCache.getFresh();
  }

  /** Forget cached host reads (after a write made outside ipWrite). */
  invalidate(): void {
    this.linksCache.invalidate();
  }

  private async readLinks(): Promise<LinkSnapshot> {
    const started = Date.now();
    const out = await this.ipRead(["-j", "-d", "addr", "show"]);
    return new LinkSnapshot(parseIpJson(out, linkSchema(), "link"), started);
  }
}
