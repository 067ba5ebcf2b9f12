"""Helpers shared by the benchmarks: the rule-derived term list, timing, RESULTS.md sections."""
from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = Path(os.environ.get("PROFILEWATCH_BENCH_RESULTS") or HERE / "RESULTS.md")
"""Where sections are written (run_all.py points it at a scratch copy to compare before writing)."""


def classic_forms(term: str) -> set[str]:
    """The raw spellings of a normalised term that the gate looked for before its seeds
    (profilewatch/detect/spellings.py): the term, its Traditional forms, every mix of joiners,
    full-width, the escaped first character and the CJK prefixes cut by a tag, line break,
    space, ideographic space or zero-width space.  Kept as rg's workload so that its figures stay
    comparable from run to run (the seeds themselves -- rare characters, one-letter in-word seeds --
    are no list for ``rg -F``)."""
    import itertools

    from profilewatch.detect.spellings import s2t_converters
    from profilewatch.text.normalize import is_cjk

    forms = {term}
    if any("a" <= c <= "z" or "0" <= c <= "9" for c in term):
        words = term.split(" ")
        if len(words) <= 4:
            for joins in itertools.product(("", "_", "-", " "), repeat=len(words) - 1):
                forms.add(words[0] + "".join(j + w for j, w in zip(joins, words[1:])))
        else:
            forms |= {term.replace(" ", joiner) for joiner in ("", "_", "-")}
        forms |= {"".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in f) for f in list(forms)}
    if any(is_cjk(c) for c in term):
        forms |= {conv.convert(term) for conv in s2t_converters()}
        for variant in list(forms):
            if is_cjk(variant[0]):
                forms |= {f"&#{ord(variant[0])};", f"&#x{ord(variant[0]):x};", f"\\u{ord(variant[0]):04x}"}
            for i in range(1, len(variant)):
                if is_cjk(variant[i - 1]) and is_cjk(variant[i]):
                    forms |= {variant[:i] + cut for cut in ("<", "\n", "\r", " ", "\u200b", "\u3000")}
    return {f for f in forms if f.strip()}


def gate_forms() -> list[str]:
    """Raw spellings of the rule packs' terms for rg (:func:`classic_forms`)."""
    from profilewatch.detect.rules import load_rules

    forms: set[str] = set()
    for term in load_rules([]).terms:
        forms |= classic_forms(term.text)
    return sorted(forms)


def write_patterns(path: Path) -> int:
    """Write the gate forms one a line for ``rg -F -f`` (forms holding a line break cannot be
    written as lines and are left out); returns how many were written."""
    forms = [f for f in gate_forms() if "\n" not in f and "\r" not in f]
    path.write_text("\n".join(forms) + "\n", encoding="utf-8")
    return len(forms)


def terms_with_variants() -> list[str]:
    """The rule-pack terms plus their Traditional Chinese spellings (OpenCC s2t, s2tw, s2hk)."""
    from profilewatch.detect.spellings import s2t_converters as _s2t_converters
    from profilewatch.detect.rules import load_rules
    from profilewatch.text.normalize import is_cjk

    out: set[str] = set()
    for term in load_rules([]).terms:
        out.add(term.text)
        if any(is_cjk(c) for c in term.text):
            out |= {conv.convert(term.text) for conv in _s2t_converters()}
    return sorted(out)


def regex_alternation() -> re.Pattern:
    """What a straightforward scanner would write: one case-insensitive ``re`` alternation of the
    rule-pack terms and their Traditional variants, longest first."""
    forms = sorted(terms_with_variants(), key=len, reverse=True)
    return re.compile("|".join(re.escape(f) for f in forms), re.I)


def run_timed(cmd: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``cmd``; returns ``(wall seconds, child CPU seconds, completed process)``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, **kwargs)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def median(values: list[float]) -> float:
    return statistics.median(values)


def tree_bytes(root: Path) -> tuple[int, int]:
    """(files, bytes) under ``root``."""
    files = size = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
    return files, size


def machine() -> str:
    cpu = "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def git_head() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


FIGURES = re.compile(r"<!-- figures:(\S+) (\{.*?\}) -->")


def read_figures(text: str) -> dict[str, dict[str, float]]:
    """The figures recorded in a RESULTS.md text, by section."""
    return {m.group(1): json.loads(m.group(2)) for m in FIGURES.finditer(text)}


def write_section(name: str, body: str, figures: dict[str, float] | None = None) -> None:
    """Replace (or append) the section between ``<!-- name:begin -->`` and ``<!-- name:end -->``
    in benchmarks/RESULTS.md; other sections are left as they are.  ``figures`` (name -> value;
    names ending ``_per_s`` or ``_speedup`` are better higher, ``_s`` and ``_mb`` better lower)
    are kept as a comment in the section, for run_all.py to compare the next run against."""
    start, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    tail = f"\n<!-- figures:{name} {json.dumps(figures, sort_keys=True)} -->" if figures else ""
    block = f"{start}\n{body.rstrip()}{tail}\n{end}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")
