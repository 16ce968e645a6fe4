import { fgetsChunks, parseHelperFile, parseHelperLine } from "../../../provider/host/acl/helper-parse";

describe("parseHelperLine (qemu-bridge-helper's parse_acl_file, line by line)", () => {
  test.each<[string, string, unknown]>([
    ["plain allow", "allow br0\n", { type: "allow", bridge: "br0", line: 1 }],
    ["plain deny", "deny br0\n", { type: "deny", bridge: "br0", line: 1 }],
    ["allow all", "allow all\n", { type: "allow-all", line: 1 }],
    ["deny all", "deny all\n", { type: "deny-all", line: 1 }],
    ["leading and trailing whitespace", " \t allow   br0 \t \r\n", { type: "allow", bridge: "br0", line: 1 }],
    ["tab separator when no space", "allow\tbr0\n", { type: "allow", bridge: "br0", line: 1 }],
    ["first space anywhere wins over an earlier tab", "allow\tbr0 \n", { line: 1, message: "Unknown command `allow\tbr0'" }],
    ["trailing comment is part of the name", "allow br0 # x\n", { type: "allow", bridge: "br0 # x", line: 1 }],
    ["trailing comment too long fails the file", "allow br0 # lab bridge\n", { line: 1, message: "name `br0 # lab bridge' too long: 16 (the helper allows at most 15 bytes)" }],
    ["15-byte name is fine", "allow abcdefghijklmno\n", { type: "allow", bridge: "abcdefghijklmno", line: 1 }],
    ["16-byte name fails", "allow abcdefghijklmnop\n", { line: 1, message: "name `abcdefghijklmnop' too long: 16 (the helper allows at most 15 bytes)" }],
    ["include", "include /etc/qemu/more.conf\n", { type: "include", path: "/etc/qemu/more.conf", line: 1 }],
    ["include with a long path is fine", "include /etc/qemu/a-rather-long-file-name.conf\n", { type: "include", path: "/etc/qemu/a-rather-long-file-name.conf", line: 1 }],
    ["comment", "# allow br0\n", undefined],
    ["indented comment", "   # allow br0\n", undefined],
    ["blank", "\n", undefined],
    ["whitespace only", " \t\r\n", undefined],
    ["command alone", "allow\n", { line: 1, message: 'Invalid config line: "allow"' }],
    ["command with empty argument", "allow \n", { type: "allow", bridge: "", line: 1 }],
    ["commands are case-sensitive", "Allow br0\n", { line: 1, message: "Unknown command `Allow'" }],
    ["unknown command", "permit br0\n", { line: 1, message: "Unknown command `permit'" }],
    ["last line without newline", "allow br0", { type: "allow", bridge: "br0", line: 1 }],
  ])("%s", (_name, chunk, expected) => {
    expect(parseHelperLine(chunk, 1)).toEqual(expected);
  });
});

describe("fgetsChunks (fgets with a 4096-byte buffer)", () => {
  test.each<[string, string, Array<{ text: string; line: number }>]>([
    ["empty", "", []],
    ["two lines", "a\nb\n", [{ text: "a\n", line: 1 }, { text: "b\n", line: 2 }]],
    ["no final newline", "a\nb", [{ text: "a\n", line: 1 }, { text: "b", line: 2 }]],
    ["blank lines kept", "\n\nx\n", [{ text: "\n", line: 1 }, { text: "\n", line: 2 }, { text: "x\n", line: 3 }]],
  ])("%s", (_n, text, expected) => {
    expect(fgetsChunks(text)).toEqual(expected);
  });

  test("a 4095-byte line plus newline is two reads; the second is just the newline", () => {
    const line = "#".repeat(4095);
    expect(fgetsChunks(`${line}\n`)).toEqual([{ text: line, line: 1 }, { text: "\n", line: 1 }]);
  });

  test("a comment longer than 4095 bytes continues as a line of its own, which the helper rejects", () => {
    const text = `# ${"x".repeat(5000)}\nallow br0\n`;
    const r = parseHelperFile(text);
    expect(r.error?.line).toBe(1);
    expect(r.error?.message).toMatch(/^Invalid config line/);
    expect(r.rules).toEqual([]);
  });
});

describe("parseHelperFile", () => {
  test("rules in order up to the first error", () => {
    const r = parseHelperFile("allow br0\n# c\ndeny br1\nbogus line\nallow br2\n");
    expect(r).toEqual({
      rules: [
        { type: "allow", bridge: "br0", line: 1 },
        { type: "deny", bridge: "br1", line: 3 },
      ],
      error: { line: 4, message: "Unknown command `bogus'" },
    });
  });
  test("CRLF lines parse like LF", () => {
    expect(parseHelperFile("allow br0\r\ndeny all\r\n")).toEqual({
      rules: [
        { type: "allow", bridge: "br0", line: 1 },
        { type: "deny-all", line: 2 },
      ],
    });
  });
});
