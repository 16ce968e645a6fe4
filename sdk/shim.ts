import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";

const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into the stack: a few hundred bytes that, in the provider
 * process, load the implementation from the installed package at call time. Upgrading the package
 * therefore upgrades existing resources, and nothing unserializable (zod, execa) is captured.
 * One shim per kind: Pulumi caches serialization per object.
 */
export function providerShim(kind: string): pulumi.dynamic.ResourceProvider {
  let shim = shims.get(kind);
  if (shim) return shim;
  // Used only when the package cannot be resolved by name from the program's folder (e.g. a checkout).
  const fallback = path.resolve(__dirname, "..", "provider", "index.js");
  const load = (): pulumi.dynamic.ResourceProvider => {
    let mod: { getProvider(kind: string): pulumi.dynamic.ResourceProvider };
    try {
      mod = require("pulumi-qemu-lab/provider");
    } catch (e) {
      const err = e as { code?: string; message?: string };
      if (err.code !== "MODULE_NOT_FOUND" || !String(err.message).includes("pulumi-qemu-lab")) throw e;
      mod = require(fallback);
    }
    return mod.getProvider(kind);
  };
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
 * `project/stack/name`: written as an ownership label on host objects that can carry one (a bridge's alias), so a
 * create interrupted before Pulumi recorded it is recognised as this resource's on the next `up`.
 */
export function ownerLabel(name: string): string {
  return `${pulumi.getProject()}/${pulumi.getStack()}/${name}`.replace(/[^\x21-\x7e]/g, "_").slice(0, 200);
}
