/** bridge.conf (qemu-bridge-helper's ACL): parse, evaluate like the helper, edit our entries with foreign lines kept. */
export { defaultAclPath, netnsOfAclPath, includeHostPath, ROOT_ACL_PATH, QEMU_CONF_DIR } from "./acl-paths";
export { checkBridgeAccess, collectAcl, decideAccess, explainAccess, describeRule, MAX_INCLUDE_DEPTH } from "./access";
export type { AccessDecision, CollectedAcl, PlacedRule } from "./access";
export { parseHelperFile, parseHelperLine, fgetsChunks, IFNAMSIZ } from "./helper-parse";
export type { HelperRule, HelperParse, HelperParseError } from "./helper-parse";
export { parseConf, renderConf, hasUndecodableBytes } from "./conf-file";
export type { ConfFile } from "./conf-file";
export { markerLine, aclLine, parseMarker, findEntry, ownedIds, upsertEntry, removeEntry, ruleFor } from "./owned-entries";
export type { AclAction, OwnedEntry } from "./owned-entries";
export { editConf } from "./conf-writer";
export type { ConfEdit } from "./conf-writer";
export { inspectHelper, helperWarning, HELPER_CANDIDATES } from "./helper-binary";
export type { HelperStatus } from "./helper-binary";
export { aclWarnings } from "./acl-warnings";
export type { AclWarningFacts } from "./acl-warnings";
