/**
 * Pulumi URNs: `urn:pulumi:STACK::PROJECT::QUALIFIED_TYPE::NAME`, where the qualified type is the parent's type
 * chain and the resource's type joined with `$` (the root stack's type is left out).
 */

/** The type of the root stack resource every program registers first. */
export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** The parts of a URN. */
export interface ParsedUrn {
  stack: string;
  project: string;
  /** The full `$`-joined type chain. */
  qualifiedType: string;
  /** The resource's own type (last element of the chain). */
  type: string;
  name: string;
}

/** Splits a URN into its parts, or returns undefined when it is not a Pulumi URN. */
export function parseUrn(urn: string): ParsedUrn | undefined {
  const m = /^urn:pulumi:(.*?)::(.*?)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return undefined;
  const [, stack, project, qualifiedType, name] = m;
  const chain = qualifiedType.split("$");
  return { stack, project, qualifiedType, type: chain[chain.length - 1], name };
}

/** Builds a resource's URN the way the engine does (`deployment.generateURN`). */
export function makeUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  let qualified = type;
  if (parentUrn) {
    const parent = parseUrn(parentUrn);
    if (parent && parent.qualifiedType !== ROOT_STACK_TYPE) qualified = `${parent.qualifiedType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}
