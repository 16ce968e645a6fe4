import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";

/** A value the SDK takes for a schema property: at every depth, any part may be a `pulumi.Input`. */
export type InputOf<T> = pulumi.Input<InputsOf<T>>;

/**
 * The inside of {@link InputOf}: arrays of inputs, objects of inputs. Distributes over unions ("tcp" | "udp" stays
 * a union of literals; a NIC union stays a union of objects).
 */
export type InputsOf<T> = T extends readonly (infer U)[] ? InputOf<U>[] : T extends object ? { [K in keyof T]: InputOf<T[K]> } : T;

/**
 * A resource's arguments derived from its input schema (`z.input` of it): every property as a `pulumi.Input`,
 * with `Auto` keys (filled in by the provider, such as an auto-generated `name`) optional.
 */
export type ArgsOf<In, Auto extends keyof In = never> = {
  [K in keyof Omit<In, Auto>]: InputOf<Omit<In, Auto>[K]>;
} & { [K in Auto]?: InputOf<In[K]> };

/** {@link ArgsOf} the input type (`z.input`) of a provider schema factory such as `bridgeInputsSchema`. */
export type SchemaArgs<F extends (...a: never[]) => z.ZodTypeAny, Auto extends keyof z.input<ReturnType<F>> = never> = ArgsOf<
  z.input<ReturnType<F>>,
  Auto
>;

/** A resource's outputs derived from its state type: every property as a `pulumi.Output`. */
export type OutputsOf<State> = { readonly [K in keyof State]-?: pulumi.Output<State[K]> };

/**
 * Every state key, each `undefined`: the property map registers them all, so each output exists on the resource
 * object. Typed `Record<keyof State, undefined>`, so a property added to the state and missing here fails to compile.
 */
export type StateKeys<State> = Record<keyof State, undefined>;
