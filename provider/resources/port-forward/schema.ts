import { z } from "zod";
import { hostSchema } from "../common/host-schema";
import { isNetdevId } from "../../host/qemu/hostfwd";
import { DEFAULT_FORWARD_ADDRESS, ipv4Schema, portSchema, vmNameSchema } from "../common/value-schemas";
import { qmpSocketProblem } from "../../host/qemu/vm-paths";

/** Inputs of a PortForward (built on demand: zod objects must not be captured by serialized closures). */
export function portForwardInputsSchema() {
  return z
    .object({
      /** A label for messages; the SDK passes the resource name. Nothing on the host is named by it. */
      name: z.string().min(1).max(256).optional(),
      /** The VM: a QemuVm (its name, instanceId and host are passed for you) or a VM's name. */
      vm: vmNameSchema(),
      /** The VM's instanceId when `vm` is a name: a change re-adds the forward (a QemuVm passes it itself). */
      vmInstanceId: z.string().min(1, "must not be empty").max(128, "must be at most 128 characters").optional(),
      /** The VM's user-mode netdev id (`-netdev user,id=…`). Default `net0`. */
      netdev: z
        .string()
        .refine(isNetdevId, "must be a QEMU netdev id: a letter, then letters, digits, '-', '.', '_' (at most 128)")
        .default("net0"),
      /** Default `tcp`. */
      protocol: z.enum(["tcp", "udp"], { errorMap: () => ({ message: 'must be "tcp" or "udp"' }) }).default("tcp"),
      /** IPv4 address to listen on, in the VM's network namespace. Default `127.0.0.1`; `0.0.0.0` means any. */
      hostAddress: ipv4Schema().default(DEFAULT_FORWARD_ADDRESS),
      /** Port to listen on (1–65535). */
      hostPort: portSchema(),
      /** Guest IPv4 address. Default: QEMU's guest address (10.0.2.15 unless the netdev says otherwise). */
      guestAddress: ipv4Schema().optional(),
      /** Guest port (1–65535). */
      guestPort: portSchema(),
      /** Manage a forward on the same host socket that already exists (e.g. from the VM's command line); delete then leaves it. */
      adopt: z.boolean().default(false),
      /** Where the VM lives: the same `host` as the QemuVm (its `stateDir` locates the QMP socket). */
      host: hostSchema(),
    })
    .strict()
    .superRefine((v, ctx) => {
      // The QMP socket of the VM must fit a unix socket address (as QemuVm checks for the same path).
      const problem = qmpSocketProblem(v.host.stateDir, v.vm);
      if (problem) ctx.addIssue({ code: "custom", path: ["vm"], message: `${problem}: no such VM can exist; use the QemuVm's name and host.stateDir` });
    });
}

/** Inputs after check. */
export type PortForwardInputs = z.infer<ReturnType<typeof portForwardInputsSchema>>;

/** State: inputs as observed plus outputs. */
export interface PortForwardState extends PortForwardInputs {
  /** The hostfwd rule, e.g. `tcp:127.0.0.1:2222-:22`. */
  rule: string;
  /** True when QEMU has the forward now (false after it was removed by hand or lost on a VM restart). */
  active: boolean;
  /** The guest address QEMU forwards to (its default guest address when guestAddress is not set). */
  effectiveGuestAddress?: string;
  /** True when this resource added the forward (false when adopted: delete then leaves it). */
  created: boolean;
}
