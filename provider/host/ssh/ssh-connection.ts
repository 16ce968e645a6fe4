import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client, utils, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from "ssh2";
import type { SshTarget } from "../target";
import { messageOf } from "../runner/message-of";
import { parsePublicKey } from "./host-key";
import { parseKnownHosts } from "./known-hosts";
import { HostKeyError, hostKeyAlgorithms, verifyHostKey, type HostKeyPolicy } from "./host-key-check";
import { assertLocksHeld } from "./lock-context";

/** Tuning of an SSH connection; the defaults suit a LAN and OpenSSH's defaults. */
export interface SshConnectionOptions {
  /** TCP connect + SSH handshake + authentication must finish within this (ssh2 `readyTimeout`; default 15 s). Also bounds opening one channel. */
  connectTimeoutMs?: number;
  /** Keepalive request interval while connected (default 5 s); after `keepaliveCountMax` (default 3) unanswered, the connection counts as dropped. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Close the connection after this long without any open channel (default 30 s): lets a finished process exit; the next use reconnects. */
  idleCloseMs?: number;
  /** Sessions (commands) open at once before queueing; lowered when the server refuses one (default 10, OpenSSH's MaxSessions). */
  maxSessions?: number;
}

const DEFAULTS = { connectTimeoutMs: 15_000, keepaliveIntervalMs: 5_000, keepaliveCountMax: 3, idleCloseMs: 30_000, maxSessions: 10 };

/** An SSH target with its defaults applied (port 22, user root, ~/.ssh/known_hosts). */
export interface ResolvedSshTarget {
  host: string;
  port: number;
  user: string;
  privateKeyPath?: string;
  agent?: boolean | string;
  knownHostsPath: string;
  hostKey?: string;
}

/** Apply an SshTarget's defaults. */
export function resolveSshTarget(t: Omit<SshTarget, "jumpHost">): ResolvedSshTarget {
  return {
    host: t.host,
    port: t.port ?? 22,
    user: t.user ?? "root",
    ...(t.privateKeyPath !== undefined ? { privateKeyPath: t.privateKeyPath } : {}),
    ...(t.agent !== undefined ? { agent: t.agent } : {}),
    knownHostsPath: t.knownHostsPath ?? path.join(os.homedir(), ".ssh", "known_hosts"),
    ...(t.hostKey !== undefined ? { hostKey: t.hostKey } : {}),
  };
}

/** Connecting to, logging in to, or keeping the connection with a remote machine failed; the message names the machine. */
export class SshConnectionError extends Error {
  constructor(
    /** The machine as messages name it. */
    readonly where: string,
    message: string,
    cause?: unknown,
    /** The socket error code when there was one (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…). */
    readonly code?: string,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "SshConnectionError";
  }
}

/** Why opening a channel failed, as far as retrying is concerned. */
export type ChannelOpenFailure = "connection-closed" | "refused" | "other";

/**
 * Classify an error from opening a channel: the connection was already closed (nothing was sent: safe to retry on a
 * new connection), the server refused a session (too many open: OpenSSH answers CONNECT_FAILED "open failed" past
 * MaxSessions; for a session nothing else can fail to "connect"), or anything else (e.g. a forward to a socket that
 * is not there). Pure; table-tested.
 */
export function classifyOpenError(e: unknown, session: boolean): ChannelOpenFailure {
  if (e instanceof ChannelOpenTimeout) return "connection-closed";
  const message = typeof (e as { message?: unknown })?.message === "string" ? (e as Error).message : "";
  // ssh2: "Not connected" (thrown when the socket is gone), "No response from server" (closed while the open was pending).
  if (message === "Not connected" || message === "No response from server") return "connection-closed";
  if (session && message.startsWith("(SSH) Channel open failure")) return "refused";
  return "other";
}

/** Refusals of one session request before giving up (the server then refuses sessions for good, e.g. MaxSessions 0). */
const MAX_REFUSALS = 50;

/** The server did not answer a channel open in time: the connection is hung and is dropped. */
class ChannelOpenTimeout extends Error {}

/** One live (or connecting) ssh2 client. */
interface Live {
  client: Client;
  closed: boolean;
  ready: Promise<void>;
}

/** How a channel counts against the server's session limit. */
type SessionUse = "session" | "pinned-session" | "none";

interface SlotWaiter {
  pinned: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * One SSH connection to one machine, shared by everything this process does there: connects lazily, reconnects when
 * the connection dropped, bounds the sessions open at once, and closes itself when idle.
 *
 * Retrying: an operation is retried (once, on a new connection) only when its channel could not be opened because the
 * connection had closed — then nothing reached the remote machine, so every operation is safe to retry, idempotent or
 * not. Once a channel is open the command may have started; a connection lost after that fails the operation (the
 * caller sees an {@link SshConnectionError} saying it may or may not have run) and is never retried here.
 */
export class SshConnection {
  readonly target: ResolvedSshTarget;
  private readonly opts: typeof DEFAULTS;
  private live?: Live;
  private closing = false;
  /** Channels open or being opened: the connection is idle when there are none. */
  private active = 0;
  private idleTimer?: NodeJS.Timeout;
  private sessionLimit: number;
  /** Session slots taken: sessions open or being opened. */
  private sessionsInUse = 0;
  /** Sessions the server confirmed and that are still open. */
  private sessionsOpen = 0;
  /** The most sessions seen open at once: the server allows at least that many (its MaxSessions). */
  private provenSessions = 0;
  private pinnedSessions = 0;
  private readonly slotWaiters: SlotWaiter[] = [];

  /**
   * @param where the machine as messages name it.
   * @param jump the connection to a jump host: this one is tunnelled through it (`ssh -J`).
   */
  constructor(
    target: Omit<SshTarget, "jumpHost">,
    readonly where: string,
    options: SshConnectionOptions = {},
    readonly jump?: SshConnection,
  ) {
    this.target = resolveSshTarget(target);
    this.opts = { ...DEFAULTS, ...definedOnly(options) };
    this.sessionLimit = this.opts.maxSessions;
  }

  /** The current bound on sessions open at once (lowered when the server refused one). */
  get maxSessions(): number {
    return this.sessionLimit;
  }

  /**
   * Run `command` (one shell command line) in a new session. The session is counted until the channel closes;
   * `pinned`: a long-lived session (the lock holder) that commands must not wait for. `attach` is called with the
   * channel as soon as it opens, before anything else runs: a fast command's exit status can arrive in the same packet
   * as the open confirmation, and an `exit` listener added after an await would miss it.
   */
  exec(command: string, options: { pinned?: boolean; attach?: (ch: ClientChannel) => void } = {}): Promise<ClientChannel> {
    return this.openChannel((c, cb) => c.exec(command, cb), options.pinned ? "pinned-session" : "session", options.attach);
  }

  /** A stream to the Unix socket `socketPath` on the machine (`direct-streamlocal@openssh.com`, as `ssh -L` to a socket). */
  forwardUnix(socketPath: string): Promise<ClientChannel> {
    return this.openChannel((c, cb) => c.openssh_forwardOutStreamLocal(socketPath, cb), "none");
  }

  /** A TCP stream from the machine to host:port (`direct-tcpip`): how a jump host carries the connection behind it. */
  forwardTcp(host: string, port: number): Promise<ClientChannel> {
    return this.openChannel((c, cb) => c.forwardOut("127.0.0.1", 0, host, port, cb), "none");
  }

  /** Close the connection (and reject queued work); a later use connects again. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.idleTimer);
    for (const w of this.slotWaiters.splice(0)) w.reject(new SshConnectionError(this.where, `connection to ${this.where} closed`));
    const live = this.live;
    this.live = undefined;
    if (live && !live.closed) {
      const closed = new Promise<void>((r) => live.client.once("close", () => r()));
      live.closed = true;
      live.client.end();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
      live.client.destroy();
    }
    this.closing = false;
  }

  private async openChannel(
    open: (c: Client, cb: (err: Error | undefined, ch: ClientChannel) => void) => void,
    use: SessionUse,
    attach?: (ch: ClientChannel) => void,
  ): Promise<ClientChannel> {
    assertLocksHeld();
    const pinned = use === "pinned-session";
    let retried = false;
    let refusals = 0;
    this.hold();
    try {
      for (;;) {
        if (use !== "none") await this.takeSlot(pinned);
        let live: Live | undefined;
        try {
          live = await this.connected();
          return await this.openOn(live, open, (ch) => {
            this.track(ch, live!, use);
            attach?.(ch);
          });
        } catch (e) {
          if (use !== "none") this.giveSlot(pinned);
          const failure = classifyOpenError(e, use !== "none");
          if (failure === "refused" && use !== "none") {
            this.lowerSessionLimit(++refusals, e);
            await new Promise((r) => setTimeout(r, Math.min(5 * refusals, 100))); // the server frees closed sessions a moment late
            continue;
          }
          if (failure === "connection-closed" && live) {
            live.closed = true;
            if (!retried) {
              retried = true; // nothing was sent on the dead connection: try once on a new one
              continue;
            }
            throw new SshConnectionError(this.where, `connection to ${this.where} was lost again right after reconnecting: ${messageOf(e)}`, e);
          }
          throw e;
        }
      }
    } finally {
      this.unhold();
    }
  }

  /** Open a channel on a live client, bounded: a server that does not answer within the connect timeout is hung. */
  private openOn(
    live: Live,
    open: (c: Client, cb: (err: Error | undefined, ch: ClientChannel) => void) => void,
    opened: (ch: ClientChannel) => void,
  ): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        live.closed = true;
        live.client.destroy(); // hung: drop it so everyone reconnects
        reject(new ChannelOpenTimeout(`no answer from ${this.where} within ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      const done = (err: Error | undefined, ch?: ClientChannel) => {
        clearTimeout(timer);
        if (settled) {
          ch?.close();
          return;
        }
        settled = true;
        if (err) return reject(err);
        opened(ch!);
        resolve(ch!);
      };
      try {
        open(live.client, done);
      } catch (e) {
        done(e as Error);
      }
    });
  }

  /** Count an open channel until it closes (or its connection does): its session slot and the connection's activity. */
  private track(ch: ClientChannel, live: Live, use: SessionUse): void {
    this.hold();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      live.client.removeListener("close", release);
      if (use !== "none") {
        this.sessionsOpen--;
        this.giveSlot(use === "pinned-session");
      }
      this.unhold();
    };
    if (use !== "none") this.sessionOpened();
    ch.once("close", release);
    live.client.once("close", release);
    ch.on("error", () => undefined); // surfaced through close/exit by the users
  }

  private async connected(): Promise<Live> {
    let live = this.live;
    if (!live || live.closed) live = this.live = this.connect();
    try {
      await live.ready;
    } catch (e) {
      if (this.live === live) this.live = undefined;
      throw e;
    }
    return live;
  }

  private connect(): Live {
    const client = new Client();
    client.setMaxListeners(0); // one "close" listener per open channel (track)
    const live: Live = { client, closed: false, ready: Promise.resolve() };
    client.on("error", () => undefined); // after ready, a close follows; before, handshake() reports it
    client.on("close", () => (live.closed = true));
    live.ready = this.handshake(live);
    live.ready.catch(() => {
      live.closed = true;
      client.destroy();
    });
    return live;
  }

  private async handshake(live: Live): Promise<void> {
    const { client } = live;
    const t = this.target;
    const policy = await this.hostKeyPolicy();
    const credentials = await this.credentials();
    const sock = this.jump ? await this.tunnel() : undefined;
    if (live.closed) {
      sock?.destroy();
      throw new SshConnectionError(this.where, `connection to ${this.where} was closed while connecting`);
    }
    let refused: HostKeyError | undefined;
    const config: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      ...credentials,
      ...(sock ? { sock } : {}),
      readyTimeout: this.opts.connectTimeoutMs,
      keepaliveInterval: this.opts.keepaliveIntervalMs,
      keepaliveCountMax: this.opts.keepaliveCountMax,
      hostVerifier: (key: Buffer) => {
        refused = verifyHostKey(policy, key);
        return refused === undefined;
      },
      algorithms: { serverHostKey: hostKeyAlgorithms(policy) as ServerHostKeyAlgorithm[] },
    };
    await new Promise<void>((resolve, reject) => {
      const onReady = () => {
        client.setNoDelay(true); // requests are small and answered one by one: Nagle would hold each back ~40 ms
        client.removeListener("error", onError);
        client.removeListener("close", onClose);
        resolve();
      };
      const onError = (e: Error) => {
        client.removeListener("ready", onReady);
        client.removeListener("close", onClose);
        reject(refused ?? this.connectError(e));
      };
      const onClose = () => onError(new Error("the connection closed during the SSH handshake"));
      client.once("ready", onReady);
      client.once("error", onError);
      client.once("close", onClose);
      try {
        client.connect(config);
      } catch (e) {
        onError(e as Error);
      }
    });
  }

  /** The connection to the jump host's forwarded stream to this target. */
  private async tunnel(): Promise<ClientChannel> {
    const t = this.target;
    try {
      return await this.jump!.forwardTcp(t.host, t.port);
    } catch (e) {
      if (e instanceof SshConnectionError || e instanceof HostKeyError) throw e;
      throw new SshConnectionError(this.where, `cannot reach ${this.where} (${t.host}:${t.port}) through jump host ${this.jump!.where}: ${messageOf(e)}`, e);
    }
  }

  private async hostKeyPolicy(): Promise<HostKeyPolicy> {
    const t = this.target;
    const base = { host: t.host, port: t.port, where: this.where, knownHostsPath: t.knownHostsPath };
    if (t.hostKey !== undefined) {
      const pinned = parsePublicKey(t.hostKey);
      if (!pinned) throw new SshConnectionError(this.where, `hostKey of ${this.where} is not a public key line like "ssh-ed25519 AAAA…": ${t.hostKey}`);
      return { ...base, pinned, knownHosts: [] };
    }
    let text = "";
    try {
      text = await fs.readFile(t.knownHostsPath, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT")
        throw new SshConnectionError(
          this.where,
          `cannot read known_hosts file ${t.knownHostsPath} to check the host key of ${this.where}: ${(e as Error).message}`,
          e,
        );
    }
    return { ...base, knownHosts: parseKnownHosts(text) };
  }

  /** Keys to log in with: the key file (read now), the agent, or — when neither is set — what ssh would try. */
  private async credentials(): Promise<Pick<ConnectConfig, "privateKey" | "agent">> {
    const t = this.target;
    const out: Pick<ConnectConfig, "privateKey" | "agent"> = {};
    if (t.agent !== undefined && t.agent !== false) {
      const sock = t.agent === true ? process.env.SSH_AUTH_SOCK : t.agent;
      if (!sock) throw new SshConnectionError(this.where, `agent is set for ${this.where} but SSH_AUTH_SOCK is not set in the provider's environment`);
      out.agent = sock;
    }
    if (t.privateKeyPath !== undefined) out.privateKey = await this.readKey(t.privateKeyPath);
    if (out.agent === undefined && out.privateKey === undefined) {
      if (process.env.SSH_AUTH_SOCK) out.agent = process.env.SSH_AUTH_SOCK;
      for (const name of ["id_ed25519", "id_ecdsa", "id_rsa"]) {
        const p = path.join(os.homedir(), ".ssh", name);
        if (await fs.access(p).then(() => true, () => false)) {
          out.privateKey = await this.readKey(p);
          break;
        }
      }
      if (out.agent === undefined && out.privateKey === undefined)
        throw new SshConnectionError(
          this.where,
          `no SSH key to log in to ${this.where}: set privateKeyPath or agent (SSH_AUTH_SOCK is not set and ~/.ssh has no id_ed25519, id_ecdsa or id_rsa)`,
        );
    }
    return out;
  }

  private async readKey(p: string): Promise<Buffer> {
    let key: Buffer;
    try {
      key = await fs.readFile(p);
    } catch (e) {
      const err = e as NodeJS.ErrnoException; // node's own error (its message, not messageOf: another realm under jest)
      throw new SshConnectionError(this.where, `cannot read private key ${p} for ${this.where}: ${err.message}`, e, err.code);
    }
    const parsed = utils.parseKey(key);
    if (parsed instanceof Error)
      throw new SshConnectionError(
        this.where,
        `cannot use private key ${p} for ${this.where}: ${parsed.message} (a passphrase-protected key must be used through the agent)`,
        parsed,
      );
    return key;
  }

  private connectError(e: Error & { level?: string; code?: string }): SshConnectionError {
    const t = this.target;
    const at = `${t.user}@${t.host}:${t.port}${this.jump ? ` via ${this.jump.where}` : ""}`;
    if (e.level === "client-authentication")
      return new SshConnectionError(
        this.where,
        `cannot log in to ${this.where} (${at}): the server accepted none of the offered keys ` +
          `(${t.privateKeyPath ?? "agent/default keys"}); add the public key to ~${t.user}/.ssh/authorized_keys there`,
        e,
      );
    if (e.level === "client-timeout")
      return new SshConnectionError(
        this.where,
        `no SSH connection to ${this.where} (${at}) within ${this.opts.connectTimeoutMs} ms: ${e.message} (is sshd running and reachable?)`,
        e,
        "ETIMEDOUT",
      );
    return new SshConnectionError(this.where, `cannot connect to ${this.where} (${at}): ${e.message}`, e, e.code);
  }

  private takeSlot(pinned: boolean): Promise<void> {
    if (this.closing) return Promise.reject(new SshConnectionError(this.where, `connection to ${this.where} is closing`));
    return new Promise((resolve, reject) => {
      this.slotWaiters.push({ pinned, resolve, reject });
      this.grantSlots();
    });
  }

  private giveSlot(pinned: boolean): void {
    this.sessionsInUse--;
    if (pinned) this.pinnedSessions--;
    this.grantSlots();
  }

  /** Hand free slots to waiters, first come first served. */
  private grantSlots(): void {
    while (this.slotWaiters.length > 0 && this.sessionsInUse < this.sessionLimit) {
      const next = this.slotWaiters.shift()!;
      this.sessionsInUse++;
      if (next.pinned) this.pinnedSessions++;
      next.resolve();
    }
  }

  /** A session opened: the server allows at least as many as are open now (raise a bound lowered too far). */
  private sessionOpened(): void {
    this.sessionsOpen++;
    if (this.sessionsOpen <= this.provenSessions) return;
    this.provenSessions = this.sessionsOpen;
    if (this.sessionLimit < this.provenSessions) {
      this.sessionLimit = this.provenSessions;
      this.grantSlots();
    }
  }

  /**
   * The server refused a session: queue beyond the most sessions it has been seen to allow at once (a burst of
   * requests can be refused before the first confirmations arrive: the bound rises again as they do). Not lower than
   * that: OpenSSH frees a closed session a moment after it confirmed the close, so a refusal can also come while fewer
   * are open here — such a request waits a little and asks again.
   */
  private lowerSessionLimit(refusals: number, cause: unknown): void {
    if (refusals > MAX_REFUSALS)
      throw new SshConnectionError(
        this.where,
        `${this.where} refused to open a session ${MAX_REFUSALS} times in a row (${messageOf(cause)}): check MaxSessions in its ` +
          `sshd_config (OpenSSH's default is 10; qemu-lab needs at least 2: one holds its locks while commands run)`,
        cause,
      );
    // Never so low that the long-lived lock holder leaves no slot for a command: that would wait forever.
    this.sessionLimit = Math.min(this.sessionLimit, Math.max(1, this.provenSessions, this.pinnedSessions + 1));
  }

  private hold(): void {
    this.active++;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private unhold(): void {
    if (--this.active > 0) return;
    this.idleTimer = setTimeout(() => {
      const live = this.live;
      if (this.active > 0 || !live || live.closed) return;
      live.closed = true;
      live.client.end();
    }, this.opts.idleCloseMs);
    this.idleTimer.unref();
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
