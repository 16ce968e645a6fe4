/**
 * A name that becomes one directory under a state directory (a VM's `vms/<name>/`, a DhcpServer's `dhcp/<name>/`) and
 * may appear in a command's option: letters, digits and `_ . -`, starting with a letter or digit, at most 63
 * characters. So never `.` or `..`, no slash (no path escapes), no comma (no option is split), no space.
 */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
