import * as net from "node:net";
import type { Duplex } from "node:stream";

/** Default time for connecting + greeting + capabilities, and for each command. */
const DEFAULT_TIMEOUT_MS = 5000;
/** The longest QMP line accepted (QEMU sends one JSON object per line; `info usernet` with hundreds of forwards is ~100 KB). */
export const QMP_MAX_LINE = 4 * 1024 * 1024;

/** An asynchronous QMP event (`{"event": ..., "data": ..., "timestamp": ...}`). */
export interface QmpEvent {
  event: string;
  data?: unknown;
  timestamp?: { seconds: number; microseconds: number };
}

/** Options of {@link QmpClient.connect} and {@link withQmp}. */
export interface QmpConnectOptions {
  /** Time allowed to connect, read the greeting and negotiate capabilities; also the default per command (ms). */
  timeoutMs?: number;
  /**
   * The machine the socket is on (a HostTransport): opens the stream and keys the per-socket queue. Default: this
   * machine, through node's `net`.
   */
  via?: QmpVia;
}

/** How a QMP socket on some machine is reached: see HostTransport. */
export interface QmpVia {
  readonly id: string;
  openUnixStream(path: string, timeoutMs: number): Promise<Duplex>;
}

/** QEMU answered a command with `{"error": {"class", "desc"}}`. */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    /** QEMU's error class, e.g. `GenericError`, `CommandNotFound`, `DeviceNotFound`. */
    readonly errorClass: string,
    /** QEMU's human-readable description. */
    readonly desc: string,
    readonly socketPath: string,
  ) {
    super(`QMP command "${command}" failed on ${socketPath}: ${errorClass}: ${desc}`);
    this.name = "QmpError";
  }
}

/** Why a QMP connection could not be used. */
export type QmpConnectionFailure = "missing" | "refused" | "exiting" | "timeout" | "closed" | "protocol";

/** The QMP socket could not be reached, timed out, closed, or spoke something else than QMP. */
export class QmpConnectionError extends Error {
  constructor(
    readonly socketPath: string,
    readonly failure: QmpConnectionFailure,
    detail: string,
    cause?: unknown,
  ) {
    super(`QMP socket ${socketPath}: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = "QmpConnectionError";
  }

  /** True when no QEMU serves the socket (file missing, nobody accepting, or QEMU exiting): the VM is not running. */
  get vmNotRunning(): boolean {
    return this.failure === "missing" || this.failure === "refused" || this.failure === "exiting";
  }
}

interface Pending {
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A minimal QMP client over a unix socket: reads the greeting, negotiates `qmp_capabilities`,
 * matches replies by `id`, delivers events to listeners. Every call has a timeout. Not safe to
 * share between concurrent users of the same socket across connections: use {@link withQmp}.
 */
export class QmpClient {
  private buffer = "";
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(ev: QmpEvent) => void>();
  private closedError?: Error;
  private greeted = false;
  private greetingWaiter?: { resolve: (v: unknown) => void; reject: (e: Error) => void };

  private constructor(
    private readonly socket: Duplex,
    readonly socketPath: string,
    private readonly defaultTimeoutMs: number,
  ) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (e: NodeJS.ErrnoException) => this.fail(this.greeted ? connectionError(socketPath, e) : beforeGreeting(socketPath, e)));
    socket.on("close", () => this.fail(this.greeted ? new QmpConnectionError(socketPath, "closed", "connection closed by QEMU") : beforeGreeting(socketPath)));
  }

  /** Connect to a QMP socket, read the greeting and leave capabilities negotiation mode. */
  static async connect(socketPath: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let socket: Duplex;
    if (opts.via) {
      try {
        socket = await opts.via.openUnixStream(socketPath, timeoutMs);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "ETIMEDOUT") throw new QmpConnectionError(socketPath, "timeout", err.message, e);
        throw connectionError(socketPath, err);
      }
    } else socket = net.createConnection({ path: socketPath });
    const client = new QmpClient(socket, socketPath, timeoutMs);
    const greeting = new Promise<unknown>((resolve, reject) => (client.greetingWaiter = { resolve, reject }));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_r, reject) => {
      // QEMU serves one client at a time: a second client is accepted by the kernel but never greeted.
      timer = setTimeout(
        () => reject(new QmpConnectionError(socketPath, "timeout", `no QMP greeting within ${timeoutMs} ms (is another client connected, or QEMU hung?)`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([greeting, deadline]);
      await Promise.race([client.execute("qmp_capabilities", undefined, { timeoutMs }), deadline]);
      return client;
    } catch (e) {
      client.close();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Run a QMP command and return its `return` value; rejects with {@link QmpError} on `{"error"}`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = `c${this.nextId++}`;
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new QmpConnectionError(this.socketPath, "timeout", `QMP command "${command}" got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      const msg = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(JSON.stringify(msg) + "\n");
    });
  }

  /** Run an HMP command line through `human-monitor-command`; returns its text output. */
  async hmp(commandLine: string, opts?: { timeoutMs?: number }): Promise<string> {
    const out = await this.execute<unknown>("human-monitor-command", { "command-line": commandLine }, opts);
    return typeof out === "string" ? out : "";
  }

  /** Listen to QMP events; returns a function that removes the listener. */
  onEvent(listener: (ev: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Close the connection; pending calls reject. Idempotent. */
  close(): void {
    this.fail(new QmpConnectionError(this.socketPath, "closed", "connection closed by client"));
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    // A peer that never sends a newline (not QEMU, or a stuck one) must not grow our memory without bound.
    if (this.buffer.length > QMP_MAX_LINE && this.buffer.indexOf("\n") < 0) {
      this.fail(new QmpConnectionError(this.socketPath, "protocol", `a QMP message longer than ${QMP_MAX_LINE} bytes without a newline; not QEMU's QMP`));
      this.socket.destroy();
      this.buffer = "";
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf("\n")) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch (e) {
      this.fail(new QmpConnectionError(this.socketPath, "protocol", `not a QMP message: ${line.slice(0, 200)}`, e));
      this.socket.destroy();
      return;
    }
    if ("QMP" in msg) {
      this.greeted = true;
      this.greetingWaiter?.resolve(msg.QMP);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === "string") {
      const ev = { event: msg.event, data: msg.data, timestamp: msg.timestamp } as QmpEvent;
      for (const l of [...this.listeners]) {
        try {
          l(ev);
        } catch {
          // A listener's bug must not break the connection.
        }
      }
      return;
    }
    const id = typeof msg.id === "string" ? msg.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return; // a reply to a call that already timed out
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (msg.error && typeof msg.error === "object") {
      const err = msg.error as { class?: unknown; desc?: unknown };
      p.reject(new QmpError(p.command, String(err.class ?? "GenericError"), String(err.desc ?? ""), this.socketPath));
    } else {
      p.resolve(msg.return);
    }
  }

  private fail(e: Error): void {
    if (this.closedError) return;
    this.closedError = e;
    this.greetingWaiter?.reject(e);
    this.greetingWaiter = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(e);
    }
  }
}

function connectionError(socketPath: string, e: NodeJS.ErrnoException): QmpConnectionError {
  if (e.code === "ENOENT") return new QmpConnectionError(socketPath, "missing", "socket does not exist (is the VM running?)", e);
  if (e.code === "ECONNREFUSED") return new QmpConnectionError(socketPath, "refused", "connection refused: no QEMU is listening (the VM is not running)", e);
  return new QmpConnectionError(socketPath, "closed", `${e.code ?? "error"}: ${e.message}`, e);
}

/** A connection that failed before QEMU greeted: missing/refused as usual; a reset or close means QEMU is exiting. */
function beforeGreeting(socketPath: string, e?: NodeJS.ErrnoException): QmpConnectionError {
  if (e && e.code !== "ECONNRESET" && e.code !== "EPIPE") return connectionError(socketPath, e);
  return new QmpConnectionError(socketPath, "exiting", "QEMU closed the connection before its QMP greeting (it is exiting)", e);
}

/** Tail of the queue of users per socket path in this process. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Run `fn` with a connected client, one user at a time per socket path in this process (QEMU's QMP
 * socket serves a single client; provider calls interleave at every await). Always closes.
 */
export async function withQmp<T>(socketPath: string, fn: (qmp: QmpClient) => Promise<T>, opts?: QmpConnectOptions): Promise<T> {
  // Why the machine's id: the same path on two machines is two sockets.
  const key = `${opts?.via?.id ?? "local"}\0${socketPath}`;
  const before = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  queues.set(key, tail);
  await before;
  try {
    const qmp = await QmpClient.connect(socketPath, opts);
    try {
      return await fn(qmp);
    } finally {
      qmp.close();
    }
  } finally {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  }
}
