#!/usr/bin/env python3
"""The floors of lib/ (ARCHITECTURE.md), checked on the #include lines.

Reads the declared dependencies of every lib/ folder (the build writes them from
lib/CMakeLists.txt to <build>/asp_layers.txt, one "folder: dep dep ..." line each) and every
#include of lib/src/<folder>/ and lib/include/asp/<folder>/, and fails when
  - the declared dependencies loop (a folder below itself),
  - a folder of lib/ has no declared line,
  - a file includes a folder that is not below its own (not a dependency, directly or through
    one): an upward or sideways include,
  - a public header includes a private one (lib/src/...), which its users cannot see,
  - headers of lib/ include each other in a circle.

Usage: check_layers.py --layers <build>/asp_layers.txt [--root <source dir>]
       check_layers.py --self-test   (shows that each rule above catches what it should)
"""
import argparse
import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_layers(path):
    layers = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            name, _, deps = line.partition(":")
            layers[name.strip()] = deps.split()
    return layers


def find_cycle(graph):
    """A list of nodes forming a cycle in {node: [successors]}, or None."""
    state = {}  # 1: on the stack, 2: done
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def below(layers, folder):
    """Every folder `folder` may include: its dependencies, directly or through one."""
    seen, todo = set(), list(layers.get(folder, []))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(layers.get(dep, []))
    return seen


def lib_files(root):
    """(path, folder, public) for every source and header of lib/."""
    for base, public in ((os.path.join(root, "lib", "include", "asp"), True),
                         (os.path.join(root, "lib", "src"), False)):
        if not os.path.isdir(base):
            continue
        for folder in sorted(os.listdir(base)):
            top = os.path.join(base, folder)
            if not os.path.isdir(top):
                continue
            for dirpath, _, names in os.walk(top):
                for name in sorted(names):
                    if name.endswith((".hpp", ".h", ".cpp", ".cc", ".ipp")):
                        yield os.path.join(dirpath, name), folder, public


def resolve(root, folders, path, bracket, target):
    """(folder, public, file path) an include names inside lib/, or None (outside lib/)."""
    inc = os.path.join(root, "lib", "include")
    src = os.path.join(root, "lib", "src")
    parts = target.split("/")
    if parts[0] == "asp" and len(parts) > 2 and parts[1] in folders:
        return parts[1], True, os.path.normpath(os.path.join(inc, target))
    if bracket == '"':
        # Quoted: first next to the including file, then lib/src/ (the private roots).
        local = os.path.normpath(os.path.join(os.path.dirname(path), target))
        for base, public in ((os.path.join(inc, "asp"), True), (src, False)):
            rel = os.path.relpath(local, base)
            if os.path.exists(local) and not rel.startswith(".."):
                return rel.split(os.sep)[0], public, local
        if len(parts) > 1 and parts[0] in folders:
            return parts[0], False, os.path.normpath(os.path.join(src, target))
    return None


def check(root, layers):
    errors = []
    cycle = find_cycle(layers)
    if cycle:
        errors.append("the floors loop: " + " -> ".join(cycle))
    folders = set()
    for base in (os.path.join(root, "lib", "include", "asp"), os.path.join(root, "lib", "src")):
        if os.path.isdir(base):
            folders.update(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))
    for folder in sorted(folders - set(layers)):
        errors.append(f"lib/{folder} has no declared floor (asp_folder in lib/CMakeLists.txt)")
    for folder, deps in sorted(layers.items()):
        for dep in deps:
            if dep not in layers:
                errors.append(f"lib/{folder} depends on lib/{dep}, which is not declared")

    header_graph = {}
    for path, folder, public in lib_files(root):
        allowed = below(layers, folder)
        rel_path = os.path.relpath(path, root)
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                hit = resolve(root, folders, path, m.group(1), m.group(2))
                if not hit:
                    continue
                target_folder, target_public, target_path = hit
                close = ">" if m.group(1) == "<" else '"'
                where = f"{rel_path}:{number}: #include {m.group(1)}{m.group(2)}{close}"
                if target_folder != folder and target_folder not in allowed:
                    deps = " ".join(sorted(allowed)) or "nothing"
                    errors.append(f"{where}: lib/{folder} may not include lib/{target_folder} "
                                  f"(it stands on: {deps})")
                if public and not target_public:
                    errors.append(f"{where}: a public header includes a private one")
                if path.endswith((".hpp", ".h", ".ipp")) and os.path.exists(target_path):
                    header_graph.setdefault(os.path.relpath(path, root), []).append(
                        os.path.relpath(target_path, root))
    cycle = find_cycle(header_graph)
    if cycle:
        errors.append("headers include each other in a circle: " + " -> ".join(cycle))
    return errors


def self_test():
    """Builds small trees, each breaking one rule, and checks that it is reported."""
    def tree(files):
        root = tempfile.mkdtemp(prefix="layers_")
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return root

    good = {
        "lib/include/asp/core/a.hpp": "#pragma once\n",
        "lib/src/core/a.cpp": "#include <asp/core/a.hpp>\n",
        "lib/include/asp/web/b.hpp": "#include <asp/core/a.hpp>\n",
        "lib/src/web/b.cpp": '#include <asp/web/b.hpp>\n#include "web/p.hpp"\n',
        "lib/src/web/p.hpp": "#pragma once\n",
    }
    layers = {"core": [], "web": ["core"]}
    cases = [
        ("a clean tree", good, layers, None),
        ("an upward include", {**good, "lib/src/core/a.cpp": "#include <asp/web/b.hpp>\n"},
         layers, "lib/core may not include lib/web"),
        ("an upward private include", {**good, "lib/src/core/a.cpp": '#include "web/p.hpp"\n'},
         layers, "lib/core may not include lib/web"),
        ("a relative upward include",
         {**good, "lib/src/core/a.cpp": '#include "../web/p.hpp"\n'},
         layers, "lib/core may not include lib/web"),
        ("a loop in the floors", good, {"core": ["web"], "web": ["core"]}, "the floors loop"),
        ("an undeclared folder", {**good, "lib/src/ml/c.cpp": "\n"}, layers,
         "lib/ml has no declared floor"),
        ("a public header including a private one",
         {**good, "lib/include/asp/web/b.hpp": '#include "web/p.hpp"\n'}, layers,
         "a public header includes a private one"),
        ("headers in a circle",
         {**good, "lib/include/asp/core/a.hpp": "#include <asp/core/d.hpp>\n",
          "lib/include/asp/core/d.hpp": "#include <asp/core/a.hpp>\n"}, layers,
         "headers include each other in a circle"),
    ]
    failed = 0
    for name, files, lay, expect in cases:
        errors = check(tree(files), lay)
        ok = (not errors) if expect is None else any(expect in e for e in errors)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {errors or 'no error'}")
        failed += not ok
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", help="<build>/asp_layers.txt")
    parser.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.layers:
        parser.error("--layers is required")
    layers = read_layers(args.layers)
    errors = check(os.path.abspath(args.root), layers)
    for e in errors:
        print(e)
    if errors:
        print(f"{len(errors)} layer error(s); the floors are in lib/CMakeLists.txt and ARCHITECTURE.md")
        return 1
    print(f"{len(layers)} folders, every #include of lib/ goes down a floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
