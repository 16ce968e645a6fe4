import * as pulumi from "@pulumi/pulumi";
import { ownerLabel, providerShim, TYPE_MODULE } from "./shim";

/** Arguments of a {@link NetworkNamespace}. */
export interface NetworkNamespaceArgs {
  /** Namespace name (a file under /run/netns). Default: the resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  /** Manage a namespace that already exists instead of failing. */
  adopt?: pulumi.Input<boolean>;
}

/** A Linux network namespace: a sandbox a whole lab can live in (`ip netns add`). Its loopback is brought up. */
export class NetworkNamespace extends pulumi.dynamic.Resource {
  /** The namespace's name; pass it as `host: { netns }` to other resources. */
  declare readonly name: pulumi.Output<string>;
  declare readonly adopt: pulumi.Output<boolean>;
  /** True when this resource created the namespace (false when adopted: delete then leaves it). */
  declare readonly created: pulumi.Output<boolean>;

  constructor(name: string, args: NetworkNamespaceArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      providerShim("NetworkNamespace"),
      name,
      { __resourceName: name, __owner: ownerLabel(name), name: args.name, adopt: args.adopt, created: undefined },
      opts,
      TYPE_MODULE,
      "NetworkNamespace",
    );
  }
}
