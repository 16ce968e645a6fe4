import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";

/** A unique namespace name for a test (short: names appear in interface-limited places). */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(3).toString("hex")}`;
}

/** Run a command synchronously and return stdout (tests only). */
export function sh(argv: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { encoding: "utf8", input: opts.input, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    if (opts.allowFail) return "";
    const err = e as { stderr?: string; status?: number };
    throw new Error(`${argv.join(" ")} failed (${err.status}): ${err.stderr}`);
  }
}

/** Names of the namespaces that exist now. */
export function netnsList(): string[] {
  const out = sh(["ip", "-j", "netns", "list"]).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}

/**
 * A namespace the test owns: created on demand, always removed in cleanup (also its /etc/netns dir).
 * Use with `afterEach`/`afterAll(() => ns.cleanup())`.
 */
export class TestNamespaces {
  private readonly names = new Set<string>();

  /** Create a fresh namespace with lo up and return its name. */
  create(prefix = "qlt"): string {
    const name = uniqueName(prefix);
    sh(["ip", "netns", "add", name]);
    this.names.add(name);
    sh(["ip", "-n", name, "link", "set", "lo", "up"]);
    return name;
  }

  /** Remember a namespace created by code under test so cleanup removes it. */
  track(name: string): string {
    this.names.add(name);
    return name;
  }

  cleanup(): void {
    for (const n of this.names) {
      sh(["ip", "netns", "delete", n], { allowFail: true });
      sh(["rm", "-rf", `/etc/netns/${n}`], { allowFail: true });
    }
    this.names.clear();
  }
}

/** Namespaces for a suite, removed after each test (even a failed one). Call at describe level. */
export function namespacesPerTest(): TestNamespaces {
  const spaces = new TestNamespaces();
  afterEach(() => spaces.cleanup());
  return spaces;
}

/** `ip -j -d addr show` of a namespace, parsed (tests re-read the kernel). */
export function linksIn(netns: string): Array<Record<string, any>> {
  const out = sh(["ip", "-n", netns, "-j", "-d", "addr", "show"]).trim();
  return out ? JSON.parse(out) : [];
}

/** One link in a namespace, or undefined. */
export function linkIn(netns: string, name: string): Record<string, any> | undefined {
  return linksIn(netns).find((l) => l.ifname === name);
}
