import { z } from "zod";
import type { Host } from "../host";
import { parseIpJson, routeSchema, type IpRoute } from "./ip-json";

/**
 * A route recorded so it can be re-created on another device: everything `ip route` needs except
 * `dev`. Kept in Pulumi state (so a restarted provider can give routes back), hence a schema.
 */
export function movedRouteSchema() {
  const ip = z.string().regex(/^[0-9A-Fa-f.:]+$/, "must be an IP address");
  const token = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be a single word (letters, digits, _ -)");
  return z
    .object({
      family: z.enum(["inet", "inet6"]),
      dst: z.string().regex(/^(default|[0-9A-Fa-f.:]+(\/\d{1,3})?)$/, "must be `default` or an address/prefix"),
      gateway: ip.optional(),
      metric: z.number().int().nonnegative().optional(),
      protocol: token.optional(),
      scope: token.optional(),
      prefsrc: ip.optional(),
      table: token.optional(),
      onlink: z.boolean().optional(),
    })
    .strict();
}

export type MovedRoute = z.infer<ReturnType<typeof movedRouteSchema>>;

/** All routes of all tables, both families, in one process (`table all` dumps IPv4 and IPv6). */
export async function readAllRoutes(host: Host): Promise<IpRoute[]> {
  return parseIpJson(await host.ipRead(["-j", "route", "show", "table", "all"]), routeSchema(), "route");
}

/** IPv6 or IPv4? `table all` output has no family field: v6 routes carry `pref` or colons. Pure. */
export function routeFamily(r: IpRoute): "inet" | "inet6" {
  const pref = (r as Record<string, unknown>).pref;
  return pref !== undefined || r.dst.includes(":") || (r.gateway ?? "").includes(":") ? "inet6" : "inet";
}

/**
 * Routes that send traffic through `dev` and would be lost when its addresses move: unicast routes
 * of any table but `local`, except `proto kernel` ones (the kernel re-creates those with the
 * address). Multipath routes (no single `dev`), routes via nexthop objects (`nhid`) and IPv4 routes
 * via an IPv6 gateway are left alone. Pure.
 */
export function routesThrough(routes: readonly IpRoute[], dev: string): MovedRoute[] {
  return routes
    .filter((r) => r.dev === dev && r.protocol !== "kernel" && (r.type === undefined || r.type === "unicast") && r.table !== "local")
    .filter((r) => !("via" in r) && !("nhid" in r)) // IPv4-via-IPv6 and nexthop-object routes: not re-creatable from these fields
    .map(toMovedRoute);
}

/** What we keep of a route from `ip -j route show`. Pure. */
export function toMovedRoute(r: IpRoute): MovedRoute {
  const m: MovedRoute = { family: routeFamily(r), dst: r.dst };
  if (r.gateway !== undefined) m.gateway = r.gateway;
  if (r.metric !== undefined) m.metric = r.metric;
  if (r.protocol !== undefined) m.protocol = r.protocol;
  if (r.scope !== undefined && r.scope !== "global") m.scope = r.scope;
  if (r.prefsrc !== undefined) m.prefsrc = r.prefsrc;
  if (r.table !== undefined && r.table !== "main") m.table = r.table;
  if (r.flags.includes("onlink")) m.onlink = true;
  return m;
}

/**
 * `route <verb> …` args for a recorded route on `dev`. IPv6 `default` is written `::/0` so the
 * family is never guessed as IPv4. Pure.
 */
export function routeArgs(verb: "append" | "del", r: MovedRoute, dev: string): string[] {
  const dst = r.dst === "default" && r.family === "inet6" ? "::/0" : r.dst;
  const a = ["route", verb, dst];
  if (r.gateway !== undefined) a.push("via", r.gateway);
  a.push("dev", dev);
  if (r.metric !== undefined) a.push("metric", String(r.metric));
  if (r.protocol !== undefined) a.push("proto", r.protocol);
  if (r.scope !== undefined && verb === "append") a.push("scope", r.scope);
  if (r.prefsrc !== undefined && verb === "append") a.push("src", r.prefsrc);
  if (r.table !== undefined) a.push("table", r.table);
  if (r.onlink && verb === "append") a.push("onlink");
  return a;
}

/** Stable identity of a recorded route (for de-duplicating lists). Pure. */
export function routeKey(r: MovedRoute): string {
  return JSON.stringify([r.family, r.dst, r.gateway ?? "", r.metric ?? -1, r.table ?? "main"]);
}
