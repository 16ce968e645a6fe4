import { stateDirProblem, type DirEntryStat } from "../../../provider/host/files/private-dir";

const d = (path: string, uid: number, mode: number): DirEntryStat => ({ path, uid, mode: 0o40000 | mode });
const ROOT = d("/", 0, 0o755);

describe("stateDirProblem (issue 12, defect 6)", () => {
  test.each<[string, DirEntryStat[], string | undefined]>([
    ["the default, root-owned 0755", [ROOT, d("/var", 0, 0o755), d("/var/lib", 0, 0o755), d("/var/lib/qemu-lab", 0, 0o700)], undefined],
    ["under sticky /tmp, our own 0700 directory", [ROOT, d("/tmp", 0, 0o1777), d("/tmp/lab", 0, 0o700)], undefined],
    ["owned by another user", [ROOT, d("/home", 0, 0o755), d("/home/eve/lab", 1000, 0o700)], "/home/eve/lab is owned by uid 1000, not root: that user could plant symlinks or a forged pidfile there"],
    ["world-writable itself, even sticky", [ROOT, d("/tmp", 0, 0o1777)], "/tmp is writable by everyone (mode 1777): another user could plant symlinks or a forged pidfile there"],
    ["group-writable", [ROOT, d("/srv/lab", 0, 0o770)], "/srv/lab is writable by its group (mode 770): another user could plant symlinks or a forged pidfile there"],
    ["a non-sticky world-writable parent", [ROOT, d("/shared", 0, 0o777), d("/shared/lab", 0, 0o700)], "/shared is writable by everyone (mode 777): another user could plant symlinks or a forged pidfile there"],
    ["a parent owned by another user", [ROOT, d("/home/eve", 1000, 0o755), d("/home/eve/lab", 0, 0o700)], "/home/eve is owned by uid 1000, not root: that user could plant symlinks or a forged pidfile there"],
  ])("%s", (_n, chain, expected) => expect(stateDirProblem(chain, 0)).toBe(expected));

  test("a non-root provider may use its own directories", () => {
    expect(stateDirProblem([ROOT, d("/home/lab", 1000, 0o755), d("/home/lab/state", 1000, 0o700)], 1000)).toBeUndefined();
  });
});
