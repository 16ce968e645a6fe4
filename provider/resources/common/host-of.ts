import type { Host } from "../../host/host";
import type { ResourceContext } from "./handler";
import { formatPath } from "./check";
import { hostSchema, type HostInput } from "./host-schema";

/**
 * The Host a resource's `host` input names (shared per namespace within the provider process). Validated again here:
 * read and delete get `host` from the recorded state, which may have been edited by hand.
 */
export function hostOf(ctx: ResourceContext, host: Partial<HostInput> | undefined): Host {
  const r = hostSchema().safeParse(host ?? {});
  if (!r.success)
    throw new Error(
      `recorded host ${JSON.stringify(host)} is invalid (${r.error.issues.map((i) => `${formatPath(["host", ...i.path])}: ${i.message}`).join("; ")}); ` +
        "the state was edited or is corrupt: fix it (pulumi state edit) or delete the resource from it",
    );
  return ctx.hosts.hostFor({ netns: r.data.netns, stateDir: r.data.stateDir, ssh: r.data.ssh });
}

/** Where objects live, for messages: the namespace, and the machine when it is not this one. */
export function whereOf(netns: string | undefined, host?: Pick<Host, "where" | "transport">): string {
  const ns = netns ? `in network namespace "${netns}"` : "in the root network namespace";
  return host && host.transport.id !== "local" ? `${ns} on ${host.where}` : ns;
}
