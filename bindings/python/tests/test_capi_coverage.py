"""gsau.h vs gsau._capi: every GSAU_API function bound with the same arity and compatible types,
every option/result struct mirrored field by field, every constant equal, and every binding
under a comment repeating its exact prototype. A function added to gsau.h and not bound in
_capi fails here."""

from __future__ import annotations

import ctypes
import inspect
import pathlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import pytest

HEADER = pathlib.Path(__file__).resolve().parent / ".." / ".." / ".." / "include" / "gsau.h"


# ── A small parser for gsau.h (enough for its plain C: no macros inside prototypes) ──────────

def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", " ", text)


def strip_preprocessor(text: str) -> str:
    # Drops directives, including continuation lines ending with a backslash.
    text = re.sub(r"\\\n", " ", text)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def normalise(decl: str) -> str:
    """One space between tokens, none inside parentheses or before ',', ';' and after '*'."""
    d = " ".join(decl.split())
    d = re.sub(r"\s*([(),;])\s*", r"\1", d)
    d = re.sub(r",", ", ", d)
    d = re.sub(r"\*\s+", "*", d)
    return d


def split_params(params: str) -> List[str]:
    out, depth, cur = [], 0, ""
    for ch in params:
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur.strip():
        out.append(cur.strip())
    if out == ["void"]:
        return []
    return out


def param_type(param: str) -> str:
    """The type of a parameter declaration: "const char *path" -> "const char *"."""
    m = re.match(r"^(.*?[\s*])(\w+)$", param.strip())
    assert m, "cannot parse parameter %r" % param
    return " ".join(m.group(1).replace("*", " * ").split())


@dataclass
class Prototype:
    name: str
    restype: str          # e.g. "const char *", "gsau_status", "void"
    params: List[str]     # parameter types
    text: str             # the normalised declaration, "GSAU_API ...;"


@dataclass
class Header:
    prototypes: Dict[str, Prototype]
    structs: Dict[str, List[Tuple[str, str]]]   # name -> [(field type, field name)]
    opaque: List[str]                           # typedef struct X X; without a body
    typedefs: Dict[str, str]                    # scalar typedefs: gsau_status -> int32_t
    funcptrs: List[str]                         # typedef R (*name)(...);
    defines: Dict[str, str]                     # #define NAME value (object-like only)


def parse_header(text: str) -> Header:
    defines = {}
    for m in re.finditer(r"^\s*#\s*define\s+(\w+)[ \t]+([^\n]*?)\s*(?:/\*.*)?$", text, re.MULTILINE):
        defines[m.group(1)] = m.group(2)
    code = strip_preprocessor(strip_comments(text))
    prototypes = {}
    for m in re.finditer(r"\bGSAU_API\s+([^;{}]*?)\b(\w+)\s*\(([^;{}]*)\)\s*;", code):
        ret = " ".join(m.group(1).replace("*", " * ").split())
        ret = re.sub(r"\bGSAU_DEPRECATED\s*\(.*?\)\s*", "", ret).strip()
        name = m.group(2)
        prototypes[name] = Prototype(name, ret, [param_type(p) for p in split_params(m.group(3))],
                                     normalise(m.group(0)))
    structs = {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)\s*\{(.*?)\}\s*(\w+)\s*;", code, re.DOTALL):
        assert m.group(1) == m.group(3), "typedef name differs from struct tag: %s" % m.group(0)
        fields = []
        for decl in m.group(2).split(";"):
            decl = " ".join(decl.split())
            if decl:
                fm = re.match(r"^(.*?[\s*])(\w+)$", decl)
                assert fm, "cannot parse field %r of %s" % (decl, m.group(1))
                fields.append((" ".join(fm.group(1).replace("*", " * ").split()), fm.group(2)))
        structs[m.group(1)] = fields
    opaque = [m.group(1) for m in re.finditer(r"typedef\s+struct\s+(\w+)\s+(\w+)\s*;", code)]
    typedefs = {m.group(2): m.group(1)
                for m in re.finditer(r"typedef\s+(u?int\d+_t|float|double|size_t|int)\s+(\w+)\s*;", code)}
    funcptrs = [m.group(1) for m in re.finditer(r"typedef\s+[^;]*?\(\s*\*\s*(\w+)\s*\)\s*\(", code)]
    return Header(prototypes, structs, opaque, typedefs, funcptrs, defines)


# ── C types -> acceptable ctypes ────────────────────────────────────────────────────────────

SCALARS = {
    "int8_t": ctypes.c_int8, "uint8_t": ctypes.c_uint8, "int16_t": ctypes.c_int16,
    "uint16_t": ctypes.c_uint16, "int32_t": ctypes.c_int32, "uint32_t": ctypes.c_uint32,
    "int64_t": ctypes.c_int64, "uint64_t": ctypes.c_uint64, "float": ctypes.c_float,
    "double": ctypes.c_double, "size_t": ctypes.c_size_t, "int": ctypes.c_int,
    "char": ctypes.c_char,
}


def check_type(ctype: str, bound, header: Header, capi, where: str) -> Optional[str]:
    """None when the ctypes type ``bound`` is compatible with the C type ``ctype``."""
    words = [w for w in ctype.split() if w != "const"]
    stars = words.count("*")
    base = " ".join(w for w in words if w != "*")
    if stars == 0:
        if base == "void":
            return None if bound is None else "%s: C void but ctypes %r" % (where, bound)
        if base in header.funcptrs:
            ok = isinstance(bound, type) and issubclass(bound, ctypes._CFuncPtr)
            return None if ok else "%s: %s is a function pointer, bound as %r" % (where, base, bound)
        scalar = SCALARS.get(header.typedefs.get(base, base))
        if scalar is None:
            return "%s: by-value %r is not supported across ctypes (pass it by pointer)" % (where, ctype)
        return None if bound is scalar else "%s: C %s needs %s, bound as %r" % (
            where, ctype, scalar.__name__, bound)
    # Pointers. c_void_p is always acceptable; typed pointers must point at the right thing.
    if bound is ctypes.c_void_p:
        return None
    if stars == 1 and base == "char" and bound is ctypes.c_char_p:
        return None
    if not (isinstance(bound, type) and issubclass(bound, ctypes._Pointer)):
        return "%s: C %s needs a pointer type, bound as %r" % (where, ctype, bound)
    target_type = " ".join(["const"] * ("const" in ctype.split()) + [base] + ["*"] * (stars - 1))
    return check_type(target_type, bound._type_, header, capi, where + " (pointee)") \
        if stars > 1 else check_pointee(base, bound._type_, header, where)


def check_pointee(base: str, target, header: Header, where: str) -> Optional[str]:
    if base in header.structs:
        name = getattr(target, "_c_name_", None)
        return None if name == base else "%s: points to %s, bound to %r" % (where, base, target)
    if base in header.opaque:
        return None if target is ctypes.c_void_p else \
            "%s: opaque %s must be c_void_p, bound to %r" % (where, base, target)
    if base == "void":
        return "%s: void * must be c_void_p" % where
    scalar = SCALARS.get(header.typedefs.get(base, base))
    return None if target is scalar else "%s: points to %s, bound to %r" % (where, base, target)


def problems(header: Header, capi, capi_source: str) -> List[str]:
    """Every mismatch between the parsed header and the _capi module."""
    out = []
    comments = {normalise(m.group(1)) for m in re.finditer(r"^#\s*(GSAU_API\s[^\n]*;)\s*$",
                                                             capi_source, re.MULTILINE)}
    bound_map = getattr(capi, "BOUND", {})
    for name, proto in sorted(header.prototypes.items()):
        fn = bound_map.get(name)
        if fn is None or getattr(capi, name, None) is not fn:
            out.append("%s is declared in gsau.h but not bound in _capi" % name)
            continue
        if fn.argtypes is None:
            out.append("%s: argtypes not set" % name)
        elif len(fn.argtypes) != len(proto.params):
            out.append("%s: gsau.h has %d parameters, _capi binds %d"
                       % (name, len(proto.params), len(fn.argtypes)))
        else:
            for i, (ctype, bound) in enumerate(zip(proto.params, fn.argtypes)):
                p = check_type(ctype, bound, header, capi, "%s parameter %d" % (name, i + 1))
                if p:
                    out.append(p)
        p = check_type(proto.restype, fn.restype, header, capi, "%s result" % name)
        if p:
            out.append(p)
        if proto.text not in comments:
            out.append("%s: _capi has no comment with its exact prototype %r" % (name, proto.text))
    for name in sorted(set(bound_map) - set(header.prototypes)):
        out.append("%s is bound in _capi but not declared in gsau.h" % name)

    for sname, fields in sorted(header.structs.items()):
        mirror = getattr(capi, sname, None)
        if mirror is None:
            out.append("struct %s has no ctypes mirror in _capi" % sname)
            continue
        if getattr(mirror, "_c_name_", None) != sname:
            out.append("_capi.%s._c_name_ is not %r" % (sname, sname))
        names = [f[1] for f in fields]
        bound_names = [f[0] for f in mirror._fields_]
        if names != bound_names:
            out.append("struct %s fields: gsau.h %s, _capi %s" % (sname, names, bound_names))
            continue
        for (ctype, fname), (_, bound) in zip(fields, mirror._fields_):
            if ctype.split() == ["const", "char", "*"]:
                if bound is not ctypes.c_char_p:
                    out.append("%s.%s: const char * must be c_char_p" % (sname, fname))
                continue
            p = check_type(ctype, bound, header, capi, "%s.%s" % (sname, fname))
            if p:
                out.append(p)
        if fields[0] != ("uint32_t", "struct_size"):
            out.append("struct %s does not start with uint32_t struct_size" % sname)

    for macro, value in header.defines.items():
        if not re.fullmatch(r"GSAU_(OK|E_\w+|FORMAT_\w+|ABI_VERSION|VERSION_(MAJOR|MINOR|PATCH|STRING))",
                            macro):
            continue
        expected = value.strip('"') if value.startswith('"') else int(value)
        if getattr(capi, macro, None) != expected:
            out.append("%s is %r in gsau.h, %r in _capi" % (macro, expected, getattr(capi, macro, None)))
    return out


# ── Tests ───────────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def header() -> Header:
    return parse_header(HEADER.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def capi():
    from gsau import _capi
    return _capi


def test_header_parses(header):
    # Guards the parser itself: these are in gsau.h since ABI 1.
    for name in ("gsau_version_string", "gsau_last_error_message", "gsau_dataset_load",
                 "gsau_dataset_free", "gsau_dataset_stats_get", "gsau_system_info_get"):
        assert name in header.prototypes
    assert header.prototypes["gsau_dataset_load"].params == [
        "gsau_dataset * *", "const char *", "const gsau_dataset_options *"]
    assert header.prototypes["gsau_version_string"].params == []
    assert header.prototypes["gsau_version_string"].restype == "const char *"
    assert {"gsau_system_info", "gsau_dataset_options", "gsau_dataset_stats"} <= set(header.structs)
    assert "gsau_dataset" in header.opaque
    assert header.typedefs["gsau_status"] == "int32_t"


def test_every_header_function_is_bound(header, capi):
    found = problems(header, capi, inspect.getsource(capi))
    assert not found, "gsau.h and gsau/_capi.py disagree:\n  " + "\n  ".join(found)


def test_checker_catches_an_unbound_function(header, capi):
    text = HEADER.read_text(encoding="utf-8").replace(
        "#endif /* GSAU_H */",
        "GSAU_API gsau_status gsau_model_frobnicate(gsau_dataset *ds, int32_t k);\n#endif")
    found = problems(parse_header(text), capi, inspect.getsource(capi))
    assert any("gsau_model_frobnicate is declared in gsau.h but not bound" in p for p in found)


def test_checker_catches_wrong_arity_and_types(header, capi):
    text = HEADER.read_text(encoding="utf-8")
    text = text.replace("gsau_dataset_free(gsau_dataset *ds);",
                        "gsau_dataset_free(gsau_dataset *ds, int32_t flags);")
    text = text.replace("GSAU_API int32_t gsau_abi_version(void);",
                        "GSAU_API int64_t gsau_abi_version(void);")
    text = text.replace("int64_t n_test;", "int32_t n_test;")
    found = "\n".join(problems(parse_header(text), capi, inspect.getsource(capi)))
    assert "gsau_dataset_free: gsau.h has 2 parameters, _capi binds 1" in found
    assert "gsau_abi_version result: C int64_t needs c_long" in found \
        or "gsau_abi_version result: C int64_t needs c_int64" in found
    assert "gsau_dataset_stats.n_test" in found


def test_handles_are_void_pointers(capi):
    # The default restype int would truncate 64-bit pointers.
    assert capi.gsau_dataset_load.argtypes[0]._type_ is ctypes.c_void_p
    assert capi.gsau_dataset_free.argtypes[0] is ctypes.c_void_p
    assert capi.gsau_dataset_stats_get.argtypes[0] is ctypes.c_void_p


def _compiler() -> Optional[str]:
    for cc in ("cc", "clang", "gcc"):
        path = shutil.which(cc)
        if path:
            return path
    return None


@pytest.mark.skipif(_compiler() is None, reason="no C compiler to measure the C struct layouts")
def test_struct_layouts_match_the_c_compiler(header, capi, tmp_path):
    lines = ["#include <stdio.h>", "#include <stddef.h>", '#include "gsau.h"', "int main(void) {"]
    for sname, fields in sorted(header.structs.items()):
        lines.append('printf("%s size %%zu\\n", sizeof(%s));' % (sname, sname))
        for _, fname in fields:
            lines.append('printf("%s.%s offset %%zu\\n", offsetof(%s, %s));'
                         % (sname, fname, sname, fname))
    lines += ["return 0;", "}"]
    src = tmp_path / "layout.c"
    src.write_text("\n".join(lines) + "\n")
    exe = tmp_path / "layout"
    subprocess.run([_compiler(), "-std=c11", "-I", str(HEADER.parent.resolve()), str(src), "-o",
                    str(exe)], check=True, capture_output=True)
    measured = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    expected = []
    for sname, fields in sorted(header.structs.items()):
        mirror = getattr(capi, sname)
        expected.append("%s size %d" % (sname, ctypes.sizeof(mirror)))
        for _, fname in fields:
            expected.append("%s.%s offset %d" % (sname, fname, getattr(mirror, fname).offset))
    assert measured.split("\n")[:-1] == expected
