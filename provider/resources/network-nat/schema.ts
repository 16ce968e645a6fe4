import { z } from "zod";
import { parseCidr } from "../../host/ip/cidr-list";
import { formatIpv4Network, ipv4InNetwork, ipv4NetworkOf, ipv4ToNumber, isIpv4, isLoopbackIpv4 } from "../../host/ip/ipv4";
import { NAT_NAME_MAX, type NatTable } from "../../host/nft/nat-model";
import { hostSchema } from "../common/host-schema";
import { interfaceNameSchema } from "../common/naming";
import { ipv4Schema, portSchema } from "../common/value-schemas";

/** Most forwards one NetworkNat takes: each is two rules (prerouting and output), and the state records them all. */
export const NAT_FORWARDS_MAX = 64;

/** The first octet of a valid IPv4 address. Pure. */
const firstOctet = (a: string): number => Math.floor(ipv4ToNumber(a)! / 2 ** 24);

/**
 * Why `text` is not a network a NetworkNat can masquerade, or undefined when it is. Strict: the address must be the
 * network itself (host bits clear). `192.168.122.1/24` is refused, not read as its network: it is usually a bridge's
 * own address typed by mistake, and nft would store `192.168.122.0/24`, so the recorded input would never match
 * the host. Pure.
 */
export function sourceCidrError(text: string): string | undefined {
  const [addr, len] = text.split("/");
  if (addr === "0.0.0.0" && len === "0") return "must not be 0.0.0.0/0 (every source): name the guests' network, like 192.168.122.0/24";
  const p = parseCidr(text);
  if ("error" in p) return p.error.replace("like 10.0.0.1/24 or fd00::1/64", "like 192.168.122.0/24");
  if (p.family !== 4 || !isIpv4(p.address)) return "must be an IPv4 network like 192.168.122.0/24 (the NAT table is IPv4: family ip)";
  if (p.prefix === 0) return "must have a prefix length from 1 to 32";
  const net = ipv4NetworkOf(`${p.address}/${p.prefix}`);
  if ("error" in net) return net.error;
  if (net.first !== ipv4ToNumber(p.address)) {
    return `has host bits set: write ${formatIpv4Network(net)}, the network of ${text} (an interface's own address is not accepted here: nft stores the network, so the input would never match the host)`;
  }
  return undefined;
}

/** Why a valid IPv4 address cannot be a forward's host address, or undefined. Pure. */
function hostAddressError(a: string): string | undefined {
  if (a === "0.0.0.0") return "must not be 0.0.0.0: omit hostAddress to forward from every local address";
  if (firstOctet(a) === 0) return "must not be in 0.0.0.0/8 (\"this network\", never a destination): use one of the host's addresses or omit hostAddress";
  if (isLoopbackIpv4(a))
    return "must not be a loopback address: packets from the network never arrive at 127.0.0.0/8, and a loopback connection cannot be forwarded out; use one of the host's addresses or omit hostAddress";
  return undefined;
}

/** Why a valid IPv4 address cannot be a forward's guest address, or undefined. Pure. */
function toAddressError(a: string): string | undefined {
  if (firstOctet(a) === 0 || isLoopbackIpv4(a)) return "must be a guest's address, not in 0.0.0.0/8 or a loopback address";
  if (firstOctet(a) >= 224) return "must be a unicast address (not multicast, reserved or broadcast)";
  return undefined;
}

/** A refinement that runs only on a valid IPv4 address (so one input gets one reason). */
function firstFailure(error: (a: string) => string | undefined) {
  return (a: string, ctx: z.RefinementCtx) => {
    const reason = isIpv4(a) ? error(a) : undefined;
    if (reason) ctx.addIssue({ code: z.ZodIssueCode.custom, message: reason });
  };
}

/** One forward: connections to the host's `hostAddress:hostPort` go to `toAddress:toPort` (a guest). */
export function natForwardSchema() {
  return z
    .object({
      /** `tcp` or `udp`. */
      protocol: z.enum(["tcp", "udp"], { errorMap: () => ({ message: 'must be "tcp" or "udp"' }) }),
      /**
       * The host address connections arrive at. Unset: every local address of the namespace (`fib daddr type local`),
       * so the guest's port is reachable at any of the host's addresses; connections to 127.0.0.0/8 are not forwarded.
       */
      hostAddress: ipv4Schema().superRefine(firstFailure(hostAddressError)).optional(),
      /** The host port (1–65535). */
      hostPort: portSchema(),
      /** The guest's address (IPv4) the connections go to: inside `sourceCidr`, so its replies come back through this NAT. */
      toAddress: ipv4Schema().superRefine(firstFailure(toAddressError)),
      /** The guest's port (1–65535). */
      toPort: portSchema(),
    })
    .strict();
}

/** A forward after check. */
export type NatForwardInput = z.infer<ReturnType<typeof natForwardSchema>>;

/** Two forwards clash when a packet could match both: same protocol and port, and the same or an unset hostAddress. Pure. */
export function forwardsClash(a: Pick<NatForwardInput, "protocol" | "hostAddress" | "hostPort">, b: typeof a): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort && (a.hostAddress === undefined || b.hostAddress === undefined || a.hostAddress === b.hostAddress);
}

function forwardsSchema() {
  return z
    .array(natForwardSchema())
    .max(NAT_FORWARDS_MAX, `must have at most ${NAT_FORWARDS_MAX} forwards`)
    .superRefine((list, ctx) => {
      list.forEach((f, i) => {
        const j = list.findIndex((g, k) => k < i && forwardsClash(f, g));
        if (j < 0) return;
        const at = (x: NatForwardInput) => `${x.hostAddress ?? "every local address"}:${x.hostPort}/${x.protocol}`;
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [i, "hostPort"],
          message: `${at(f)} is already forwarded by forwards[${j}] (${at(list[j]!)}): one host port can go to one guest only; choose another hostPort or hostAddress`,
        });
      });
    });
}

/** Inputs of a NetworkNat (built on demand: zod objects must not be captured by serialized closures). */
export function networkNatInputsSchema() {
  return z
    .object({
      /**
       * Name of the NAT (1–32 letters, digits, `_` and `-`); its nftables table is `ip qemu_lab_nat_<name>` in
       * `host.netns`. Default: the resource name plus a random suffix.
       */
      name: z
        .string()
        .regex(new RegExp(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,${NAT_NAME_MAX - 1}}$`), `must be 1–${NAT_NAME_MAX} letters, digits, _ and -, not starting with - (it names the nftables table qemu_lab_nat_<name>)`),
      /**
       * The guests' IPv4 network, e.g. `192.168.122.0/24`: packets from it to anywhere outside it are masqueraded
       * (leave with the address of the interface they go out of). The host bits must be clear.
       */
      sourceCidr: z.string().superRefine((s, ctx) => {
        const error = sourceCidrError(s);
        if (error) ctx.addIssue({ code: z.ZodIssueCode.custom, message: error });
      }),
      /** Masquerade only packets leaving through this interface (the uplink). Default: any interface. */
      outInterface: interfaceNameSchema().optional(),
      /**
       * Host ports forwarded to guests (DNAT), for connections arriving on any interface and for those the host
       * itself opens. At most 64; one host port (protocol, address, port) goes to one guest.
       */
      forwards: forwardsSchema().default([]),
      /** Where the NAT lives: its network namespace (default: the root namespace). */
      host: hostSchema(),
    })
    .strict()
    .superRefine((inputs, ctx) => {
      const net = ipv4NetworkOf(inputs.sourceCidr);
      if ("error" in net) return;
      inputs.forwards.forEach((f, i) => {
        if (!isIpv4(f.toAddress) || toAddressError(f.toAddress) || ipv4InNetwork(f.toAddress, net)) return; // one reason per input
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["forwards", i, "toAddress"],
          message: `must be inside sourceCidr ${inputs.sourceCidr}: a guest elsewhere would answer from its own address, not back through this NAT`,
        });
      });
    });
}

/** Inputs after check. */
export type NetworkNatInputs = z.infer<ReturnType<typeof networkNatInputsSchema>>;

/** State: the inputs last applied, plus what the host really has. */
export interface NetworkNatState extends NetworkNatInputs {
  /** The nftables table (family ip) holding the rules, in `host.netns`. */
  table: string;
  /**
   * The table as read from the host (`nft -j`): its flags, any set/map/counter added to it, its chains and rules. A
   * rule removed or changed by hand, a dormant flag, an added set, or a table deleted by hand (no chains) shows here
   * after a refresh; the next `up` writes the table again.
   */
  ruleset: NatTable;
  /** `net.ipv4.ip_forward` in the namespace, as read. */
  ipForward: boolean;
  /**
   * True when this NAT turned ip_forward on. Whichever NetworkNat of the namespace goes last turns it off again, when
   * any of them turned it on (a claim under /run/qemu-lab/ip-forward records that).
   */
  ipForwardChanged: boolean;
}
