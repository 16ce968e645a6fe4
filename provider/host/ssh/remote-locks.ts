import type { ClientChannel } from "ssh2";
import { DEFAULT_LOCK_TIMEOUT_MS, LockTimeoutError } from "../files/file-lock";
import { SYSTEM_PATH } from "../runner/execa-runner";
import { messageOf } from "../runner/message-of";
import { LOCK_AGENT_SCRIPT } from "./lock-agent-script";
import { RemoteLockLostError, runHolding, type HeldRemoteLock } from "./lock-context";
import { shellCommand } from "./shell-quote";
import { SshConnectionError, type SshConnection } from "./ssh-connection";

/** How long the lock holder stays after its last lock is released (saves a session open for the next lock). */
const AGENT_LINGER_MS = 1_000;
/** Beyond the lock timeout, how long to wait for the holder's answer before counting it as hung. */
const ANSWER_GRACE_MS = 10_000;

/** The lock holder's session on the remote machine (see LOCK_AGENT_SCRIPT): one per connection, shared by all locks. */
class LockAgent {
  closed = false;
  /** `pid starttime` of the remote shell that holds the locks. */
  token = "";
  private buffer = "";
  private readonly waiting = new Map<string, { resolve: (words: string[]) => void; reject: (e: Error) => void }>();
  private readyWaiter!: { resolve: () => void; reject: (e: Error) => void };
  /** Settles when the holder printed its `ready` line (or its session ended first). */
  private readonly ready = new Promise<void>((resolve, reject) => (this.readyWaiter = { resolve, reject }));
  private nextId = 0;

  private constructor(
    private readonly channel: ClientChannel,
    private readonly where: string,
  ) {
    channel.setEncoding("utf8");
    channel.on("data", (chunk: string) => this.onData(chunk));
    channel.stderr.resume(); // nothing is expected there; keep the window open
    channel.on("close", () => this.onClose());
  }

  static async start(connection: SshConnection): Promise<LockAgent> {
    const line = `exec ${shellCommand(["env", `PATH=${SYSTEM_PATH}`, "LC_ALL=C", "sh", "-c", LOCK_AGENT_SCRIPT, "qemu-lab-lock"])}`;
    let agent!: LockAgent;
    await connection.exec(line, { pinned: true, attach: (ch) => (agent = new LockAgent(ch, connection.where)) });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_r, reject) => {
      timer = setTimeout(() => reject(new SshConnectionError(agent.where, `the lock holder on ${agent.where} did not start`)), ANSWER_GRACE_MS);
    });
    try {
      await Promise.race([agent.ready, late]);
    } catch (e) {
      agent.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return agent;
  }

  /** Send one request and wait for its answer (bounded by `withinMs`; a silent holder is closed, releasing its locks). */
  request(op: "L" | "U", args: string, withinMs: number): Promise<string[]> {
    if (this.closed) return Promise.reject(this.lostError());
    const id = String(++this.nextId);
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new SshConnectionError(this.where, `the lock holder on ${this.where} did not answer within ${withinMs} ms`));
        this.close();
      }, withinMs);
      this.waiting.set(id, {
        resolve: (w) => {
          clearTimeout(timer);
          resolve(w);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.channel.write(`${op} ${id} ${args}\n`);
    });
  }

  close(): void {
    if (!this.closed) this.channel.end(); // EOF: the holder releases everything and exits
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let i = this.buffer.indexOf("\n"); i >= 0; i = this.buffer.indexOf("\n")) {
      const words = this.buffer.slice(0, i).split(" ");
      this.buffer = this.buffer.slice(i + 1);
      if (words[0] === "ready") {
        this.token = words.slice(1).join(" ");
        this.readyWaiter.resolve();
        continue;
      }
      const w = this.waiting.get(words[1] ?? "");
      this.waiting.delete(words[1] ?? "");
      w?.resolve(words);
    }
  }

  private onClose(): void {
    this.closed = true;
    this.readyWaiter.reject(this.lostError());
    for (const w of this.waiting.values()) w.reject(this.lostError());
    this.waiting.clear();
  }

  private lostError(): SshConnectionError {
    return new SshConnectionError(this.where, `on ${this.where}: the session holding locks ended (connection lost)`);
  }
}

/**
 * Locks held on a remote machine through one long-lived session running a small sh lock holder, interoperable with
 * {@link withFileLock} there (same lock files, same `pid starttime` tokens, same stale-lock breaking). A dropped
 * connection ends the session and so releases its locks; code still running under such a lock is stopped at its next
 * remote operation ({@link RemoteLockLostError}). One session serves every lock, so locks never exhaust the server's
 * MaxSessions, and taking or releasing a lock is one round trip on it.
 */
export class RemoteLocks {
  private agent?: Promise<LockAgent>;
  private users = 0;
  private lingerTimer?: NodeJS.Timeout;
  /** In-process queue per lock path: calls in this process take turns before asking the remote machine. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly connection: SshConnection,
    private readonly timeoutMs: number = DEFAULT_LOCK_TIMEOUT_MS,
  ) {}

  /** Run fn holding the lock file `lockPath` on the remote machine; waiting is bounded ({@link LockTimeoutError}). */
  async withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    if (!lockPath.startsWith("/") || /[\n\0]/.test(lockPath)) throw new Error(`lock path must be absolute and on one line: ${JSON.stringify(lockPath)}`);
    const prev = this.tails.get(lockPath) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(lockPath, tail);
    await prev.catch(() => undefined);
    try {
      return await this.holding(lockPath, fn);
    } finally {
      release();
      if (this.tails.get(lockPath) === tail) this.tails.delete(lockPath);
    }
  }

  private async holding<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    const agent = await this.use();
    try {
      const answer = await agent.request("L", `${this.timeoutMs} ${lockPath}`, this.timeoutMs + ANSWER_GRACE_MS);
      if (answer[0] === "timeout") {
        const pid = answer[2];
        throw new LockTimeoutError(lockPath, pid ? `pid ${pid} on ${this.connection.where}` : undefined, this.timeoutMs);
      }
      if (answer[0] !== "ok") throw new Error(`on ${this.connection.where}: cannot take lock ${lockPath}: ${answer.slice(2).join(" ")}`);
      const held: HeldRemoteLock = {
        lockPath,
        where: this.connection.where,
        get lost() {
          return agent.closed;
        },
      };
      try {
        return await runHolding(held, fn);
      } finally {
        if (!agent.closed) await agent.request("U", lockPath, ANSWER_GRACE_MS).catch(() => undefined);
      }
    } finally {
      this.done();
    }
  }

  /** The running holder (started on first use, or again after its session ended). */
  private async use(): Promise<LockAgent> {
    this.users++;
    clearTimeout(this.lingerTimer);
    try {
      for (let attempt = 0; ; attempt++) {
        const started = (this.agent ??= LockAgent.start(this.connection));
        const agent = await started.catch((e) => {
          if (this.agent === started) this.agent = undefined;
          throw e;
        });
        if (!agent.closed) return agent;
        if (this.agent === started) this.agent = undefined; // its session ended: start another
        if (attempt > 0) throw new Error("its session ended right after it started");
      }
    } catch (e) {
      this.done();
      throw e instanceof SshConnectionError || e instanceof RemoteLockLostError ? e : new SshConnectionError(this.connection.where, `cannot start the lock holder on ${this.connection.where}: ${messageOf(e)}`, e);
    }
  }

  private done(): void {
    if (--this.users > 0) return;
    this.lingerTimer = setTimeout(() => {
      if (this.users > 0) return;
      void this.agent?.then((a) => a.close(), () => undefined);
      this.agent = undefined;
    }, AGENT_LINGER_MS);
    this.lingerTimer.unref();
  }

  /** End the holder now (its locks are released on the remote machine). */
  close(): void {
    clearTimeout(this.lingerTimer);
    void this.agent?.then((a) => a.close(), () => undefined);
    this.agent = undefined;
  }
}
