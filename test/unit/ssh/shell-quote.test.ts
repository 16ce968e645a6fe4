import { shellCommand, shellQuote } from "../../../provider/host/ssh/shell-quote";

describe("shellQuote: one argument as a POSIX shell word", () => {
  test.each<[string, string]>([
    ["ip", "ip"],
    ["/usr/sbin/ip", "/usr/sbin/ip"],
    ["-j", "-j"],
    ["10.0.0.1/24", "10.0.0.1/24"],
    ["user@host:22,x+y%z", "user@host:22,x+y%z"],
    ["", "''"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ['say "hi"', `'say "hi"'`],
    ["$HOME", "'$HOME'"],
    ["$(id)", "'$(id)'"],
    ["`id`", "'`id`'"],
    ["line1\nline2", "'line1\nline2'"],
    ["tab\there", "'tab\there'"],
    ["*", "'*'"],
    ["~", "'~'"],
    ["~root", "'~root'"],
    ["a=b", "'a=b'"], // a first word a=b would be an assignment
    ["back\\slash", "'back\\slash'"],
    ["!", "'!'"],
    [";rm -rf /", "';rm -rf /'"],
    ["a|b&c<d>e", "'a|b&c<d>e'"],
    ["é", "'é'"],
    ["#comment", "'#comment'"],
  ])("%j → %s", (arg, quoted) => {
    expect(shellQuote(arg)).toBe(quoted);
  });

  test("a NUL cannot be passed in argv and is refused", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  test("shellCommand joins quoted words with spaces", () => {
    expect(shellCommand(["printf", "%s\\n", "a b", ""])).toBe("printf '%s\\n' 'a b' ''");
  });
});
