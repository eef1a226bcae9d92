#!/usr/bin/env python3
"""Checks that the engine's layers depend one way only (docs/ARCHITECTURE.md).

    scripts/check-layers.py [ROOT]      check Sources/GSAU under ROOT (default: the repository)
    scripts/check-layers.py --self-test show that an upward reference is caught

The layers are the folders of Sources/GSAU, lowest first (LAYERS). A file may use what its own
layer and the layers below declare, never what only a higher layer declares. Declarations read:
types (class, struct, enum, protocol, typealias, actor), top-level functions, variables and
constants, and the members that `extension` blocks add (methods, properties, subscripts' owners
aside). A name that a lower (or the same) layer also declares is not flagged, so the check never
flags correct code for a shared name; it catches the upward use of a type, a free function or an
extension member that exists only higher up. Comments and string literals are ignored.
Exit status 1 and one line per violation (file:line: name, declared in layer X) when any is found.
"""
import os
import re
import shutil
import sys
import tempfile

LAYERS = ["Core", "Data", "Kernels", "Model", "Eval", "Training", "Inference", "IO"]

TYPE_DECL = re.compile(r"\b(?:class|struct|enum|protocol|typealias|actor)\s+([A-Za-z_]\w*)")
TOP_DECL = re.compile(r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate|final|static|"
                      r"nonisolated(?:\(unsafe\))?|mutating|@inlinable|@usableFromInline)\s+)*"
                      r"(?:func|let|var)\s+([A-Za-z_]\w*)")
MEMBER = re.compile(r"^    (?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|(?:private|fileprivate|internal|package|public)\(set\)|private|fileprivate|final|static|"
                    r"mutating|nonisolated|override|lazy|weak|@inlinable|@discardableResult|convenience)\s+)*"
                    r"(?:func|let|var|case)\s+([A-Za-z_]\w*)")
# Members of the standard library's and Synchronization's types that share a name with an engine
# member declared higher up (Atomic.load/store, Unicode.Scalar.value, UnsafeMutablePointer.initialize,
# Array.removeAll): a `.name` use of these is not taken as an engine reference.
EXTERNAL_MEMBERS = {"load", "store", "value", "initialize", "removeAll"}
IDENT = re.compile(r"(\.?)\b([A-Za-z_]\w*)\b")


def strip(source):
    """The source with comments and string contents blanked (line structure kept)."""
    out, i, n = [], 0, len(source)
    while i < n:
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", source[i:j])); i = j
        elif source.startswith('"""', i):
            j = source.find('"""', i + 3)
            j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", source[i:j])); i = j
        elif source[i] == '"':
            j = i + 1
            while j < n and source[j] != '"' and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            j = min(n, j + 1)
            out.append(" " * (j - i)); i = j
        else:
            out.append(source[i]); i += 1
    return "".join(out)


def files_by_layer(root):
    base = os.path.join(root, "Sources", "GSAU")
    result = []
    for layer in sorted(os.listdir(base)):
        folder = os.path.join(base, layer)
        if not os.path.isdir(folder):
            continue
        if layer not in LAYERS:
            print(f"check-layers: Sources/GSAU/{layer} is not a known layer (add it to LAYERS and docs/ARCHITECTURE.md)")
            sys.exit(1)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".swift"):
                result.append((LAYERS.index(layer), os.path.join(folder, name)))
    return result


def declarations(text):
    """(types and top-level names, members, private names) declared in stripped `text`; private
    and fileprivate declarations are visible in their own file only."""
    names, members, private_names = set(), set(), set()
    in_type = False          # inside a top-level type or extension body (not a top-level function's)
    for line in text.split("\n"):
        if re.match(r"^\S", line) and not line.startswith("}"):
            in_type = bool(re.search(r"\b(class|struct|enum|protocol|actor|extension)\b", line))
        private = re.search(r"\b(private|fileprivate)\b(?!\(set\))", line)
        found_names = [m.group(1) for m in TYPE_DECL.finditer(line)]
        m = TOP_DECL.match(line)
        if m:
            found_names.append(m.group(1))
        m = MEMBER.match(line) if in_type else None
        found_members = [m.group(1)] if m else []
        if private:
            private_names.update(found_names + found_members)
        else:
            names.update(found_names)
            members.update(found_members)
    return names, members, private_names


def check(root):
    files = files_by_layer(root)
    texts = {path: strip(open(path, encoding="utf-8").read()) for _, path in files}
    lowest_name, lowest_member, private = {}, {}, {}
    for layer, path in files:
        names, members, private[path] = declarations(texts[path])
        for n in names:
            lowest_name[n] = min(layer, lowest_name.get(n, layer))
        for n in members:
            lowest_member[n] = min(layer, lowest_member.get(n, layer))
    violations = []
    for layer, path in files:
        for number, line in enumerate(texts[path].split("\n"), 1):
            for dot, name in IDENT.findall(line):
                if name in private[path]:
                    continue
                declared = lowest_name.get(name)
                if dot and name in lowest_member and name not in EXTERNAL_MEMBERS:
                    declared = min(declared if declared is not None else len(LAYERS), lowest_member[name])
                if declared is not None and declared > layer:
                    rel = os.path.relpath(path, root)
                    violations.append(f"{rel}:{number}: '{name}' is declared only in {LAYERS[declared]}, "
                                      f"above {LAYERS[layer]}")
    return violations


def self_test():
    """Copies the sources, adds an upward reference and checks that it is reported."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(os.path.join(root, "Sources", "GSAU"), os.path.join(scratch, "Sources", "GSAU"))
        with open(os.path.join(scratch, "Sources", "GSAU", "Core", "Upward.swift"), "w") as f:
            f.write("func upward(_ m: GSAUModel) -> Int { m.itemCount }\n"
                    "func upwardMember(_ s: Any) { _ = (s as? [Float])?.withItemVectors }\n")
        found = check(scratch)
    for name in ("GSAUModel", "withItemVectors"):
        if not any("Upward.swift" in v and f"'{name}'" in v for v in found):
            print(f"check-layers self-test: the upward reference to {name} from Core was not reported")
            return 1
    print("check-layers self-test: upward references from Core to a Model type and member are reported")
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    violations = check(root)
    for v in violations:
        print(v)
    if violations:
        print(f"check-layers: {len(violations)} upward reference(s); the order is {' -> '.join(LAYERS)}")
        return 1
    print(f"check-layers: {' -> '.join(LAYERS)}: no upward reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
