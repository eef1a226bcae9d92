"""The public API's docstrings: numpydoc sections that match the signatures, and Examples that
run (as doctests, from the repository root, where they find the tiny fixture), each docstring's
examples in well under a second."""

from __future__ import annotations

import doctest
import inspect
import os
import re
import time
from typing import Dict, List

import pytest

import gsau
import gsau.errors
import gsau.model
import gsau.ray
from gsau import GSAU, Dataset

from conftest import REPO

SECTIONS = ("Parameters", "Returns", "Yields", "Raises", "Warns", "See Also", "Notes",
            "References", "Examples", "Attributes", "Methods", "Other Parameters")


def public_objects():
    """(qualified name, object) of every public function, class, method and property."""
    out = [("gsau.%s" % n, getattr(gsau, n)) for n in ("version", "abi_version", "system_info",
                                                        "variants")]
    out.append(("gsau.ray.score_users_with_ray", gsau.ray.score_users_with_ray))
    for cls in (Dataset, GSAU):
        out.append(("gsau.%s" % cls.__name__, cls))
        for name, member in vars(cls).items():
            if name.startswith("_"):
                continue
            if isinstance(member, (classmethod, staticmethod)):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if callable(member):
                out.append(("gsau.%s.%s" % (cls.__name__, name), member))
    return out


def sections(doc: str) -> Dict[str, List[str]]:
    """numpydoc sections of a docstring: {title: lines}, "Summary" for the text before the
    first; a small parser, used when numpydoc is not installed."""
    lines = inspect.cleandoc(doc).splitlines()
    out: Dict[str, List[str]] = {"Summary": []}
    current = "Summary"
    i = 0
    while i < len(lines):
        if (i + 1 < len(lines) and lines[i].strip() in SECTIONS
                and re.fullmatch(r"-{3,}", lines[i + 1].strip())):
            current = lines[i].strip()
            out[current] = []
            i += 2
            continue
        out[current].append(lines[i])
        i += 1
    return out


def documented_parameters(body: List[str]) -> List[str]:
    """The names a Parameters section documents (``a, b : type`` documents a and b)."""
    names = []
    for line in body:
        if line and not line[0].isspace():
            head = line.split(" : ")[0].strip()
            names += [n.strip().lstrip("*") for n in head.split(",")]
    return names


def signature_parameters(obj) -> List[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls") and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


@pytest.mark.parametrize("name,obj", public_objects(), ids=lambda x: x if isinstance(x, str) else "")
def test_numpydoc_sections(name, obj):
    doc = obj.__doc__
    assert doc and doc.strip(), "%s has no docstring" % name
    parsed = sections(doc)
    assert parsed["Summary"] and parsed["Summary"][0].strip(), "%s: no summary line" % name
    for title in parsed:
        assert title == "Summary" or title in SECTIONS, "%s: unknown section %r" % (name, title)
    target = obj.__init__ if inspect.isclass(obj) else obj
    wanted = signature_parameters(target)
    if wanted:
        assert "Parameters" in parsed, "%s: no Parameters section" % name
        documented = documented_parameters(parsed["Parameters"])
        missing = [p for p in wanted if p not in documented]
        assert not missing, "%s: parameters not documented: %s" % (name, missing)
        extra = [p for p in documented if p not in wanted]
        assert not extra, "%s: documents parameters it does not take: %s" % (name, extra)
    assert "Examples" in parsed, "%s: no Examples section" % name
    try:
        from numpydoc.docscrape import FunctionDoc, ClassDoc
    except ImportError:
        return
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")             # numpydoc warns on bad sections
        scraped = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    if wanted:
        assert [n for p in scraped["Parameters"] for n in p.name.split(", ")] == documented


def doctests(modules=(gsau, gsau.model, gsau.errors)):
    """The doctests of ``modules``. gsau.ray's start Ray: test_ray.py runs them, on its cluster."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = []
    for module in modules:
        tests += [t for t in finder.find(module) if t.examples]
    return sorted(tests, key=lambda t: t.name)


@pytest.mark.parametrize("test", doctests(), ids=lambda t: t.name)
def test_examples_run(test, monkeypatch):
    monkeypatch.chdir(REPO)                       # the examples name the fixture from the root
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: List[str] = []
    start = time.perf_counter()
    runner.run(test, out=out.append)
    elapsed = time.perf_counter() - start
    assert runner.failures == 0, "".join(out)
    assert elapsed < 1.0, "%s: examples took %.2f s" % (test.name, elapsed)


def test_every_public_object_has_running_examples():
    named = {t.name for t in doctests() + doctests([gsau.ray])}
    for name, obj in public_objects():
        if inspect.isclass(obj):
            continue
        qual = "gsau.model." + name[len("gsau."):] if name.startswith("gsau.GSAU.") else name
        if name.startswith("gsau.Dataset."):
            qual = name
        assert qual in named, "%s has no doctest" % qual
