#!/usr/bin/env python3
"""Every tool that is built answers --help and --version (exit 0, on stdout) and rejects a
wrong flag with exactly one line on stderr and exit code 2 (DESIGN.md)."""
import asp_testlib as t

TOOLS = ["fetch", "download", "pdf2txt", "thumb", "analyze", "buildsvm", "serve", "sync"]


def main():
    present = [name for name in TOOLS if (t.BIN_DIR / name).exists()]
    if not present:
        t.missing(f"no tool built in {t.BIN_DIR}")
    for name in present:
        exe = str(t.BIN_DIR / name)
        r = t.run([exe, "--help"], check=False, timeout=30)
        t.check(r.returncode == 0 and "--help" in r.stdout and "--data-dir" in r.stdout,
                f"{name} --help: exit {r.returncode}\n{r.stdout}{r.stderr}")
        r = t.run([exe, "--version"], check=False, timeout=30)
        t.check(r.returncode == 0 and name in r.stdout and any(c.isdigit() for c in r.stdout),
                f"{name} --version: exit {r.returncode}: {r.stdout!r}")
        r = t.run([exe, "--no-such-flag-xyz"], check=False, timeout=30)
        lines = r.stderr.splitlines()
        t.check(r.returncode == 2, f"{name} with a wrong flag: exit {r.returncode}")
        t.check(len(lines) == 1 and lines[0].strip() and "no-such-flag-xyz" in lines[0],
                f"{name} with a wrong flag: stderr should be one line, got {lines!r}")
        t.check(r.stdout == "", f"{name} with a wrong flag printed on stdout: {r.stdout!r}")
        print(f"{name}: ok")
    print("ok")


if __name__ == "__main__":
    main()
