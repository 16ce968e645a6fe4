import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as pulumi from "@pulumi/pulumi";

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into the stack: six one-line closures (about 1.9 KB, the serializer's
 * floor for six methods) that, in the provider process, load the implementation from the installed package at call time. Upgrading the package
 * therefore upgrades existing resources, and nothing unserializable (zod, execa) is captured.
 * One shim per kind: Pulumi caches serialization per object. The package must be resolvable by name from the
 * program's folder (it is, when the program depends on it; in this repository `npm ci` links it).
 */
export function providerShim(kind: string): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (shim) return shim;
  // Resolved from the program's folder in the provider process, so the installed version serves every call.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the serialized shim must load the installed package at call time
  const load = (): pulumi.dynamic.ResourceProvider => require("pulumi-qemu-lab/provider").getProvider(kind);
  shim = {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
  shims.set(kind, shim);
  return shim;
}

/** The module part of every type token: `pulumi-nodejs:dynamic/qemu-lab:<Kind>`. */
export const TYPE_MODULE = "qemu-lab";

/**
 * `project/stack/name#tag`: written as an ownership label on host objects that can carry one (a bridge's alias), so a
 * create interrupted before Pulumi recorded it is recognised as this resource's on the next `up`. The tag tells two
 * stacks of one name apart (two users' `dev` stacks on one hypervisor): config `qemu-lab:stackId` when set, else the
 * user and the program's directory. Hashed: the label carries no path.
 */
export function ownerLabel(name: string): string {
  const tag = `#${stackTag()}`;
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`.replace(/[^\x21-\x7e]/g, "_").slice(0, 200 - tag.length) + tag;
}

const tags = new Map<string, string>();

/** The label's tag, computed once per basis (every resource of a program shares it). */
function stackTag(): string {
  const configured = new pulumi.Config("qemu-lab").get("stackId");
  const basis = configured !== undefined ? `id:${configured}` : `dir:${userName()}@${fs.realpathSync(process.cwd())}`;
  let tag = tags.get(basis);
  if (tag === undefined) tags.set(basis, (tag = createHash("sha256").update(basis).digest("hex").slice(0, 12)));
  return tag;
}

/** The user's name, or their uid where the system has no entry for it (containers run with `--user N`). */
function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid${process.getuid?.() ?? "?"}`;
  }
}

/**
 * The property map a resource registers: every state key (so each output exists on the object), then the
 * arguments, then the SDK's own keys (`__resourceName`, `__owner`) that the provider strips before check.
 */
export function resourceProps(name: string, args: object, stateKeys: object): Record<string, unknown> {
  return { ...stateKeys, ...args, __resourceName: name, __owner: ownerLabel(name) };
}
