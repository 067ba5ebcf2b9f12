"""Run the rule packs' own examples and annotated fixtures (``profilewatch rules test``).

Examples: every ``examples.flag`` snippet must yield a flag finding (of the stated kind, when
given) and every ``examples.clean`` snippet must yield no flag finding.  An example is one
passage of a stated context (prose, code, data), so it goes to the detector directly; a fixture
is a whole file and is scanned as any file is, through :func:`~profilewatch.scanner.scan_unit`.

Fixtures (semgrep style): any text or code file in a ``fixtures/`` folder beside the packs.  A
marker on the line before a line says what must happen on it:

    profilewatch: expect <category>/<kind>    a finding with this rule must be on the next line
    profilewatch: ok                          no flag finding may be on the next line

The marker may sit inside any comment syntax (``#``, ``//``, ``<!-- -->``).
"""
from __future__ import annotations

import re
from pathlib import Path

from .detect.engine import Detector
from .detect.rules import RuleSet
from .options import ScanOptions
from .records import Finding, Segment, Unit
from .scanner import scan_unit

_MARKER = re.compile(r"profilewatch:\s*(expect\s+(?P<rule>[\w]+/[\w]+)|ok)\b")


def run_selftest(rules: RuleSet) -> tuple[list[str], int]:
    """Return ``(failures, checks)`` for all examples and fixtures of ``rules``."""
    detector = Detector(rules)
    failures: list[str] = []
    total = 0
    for ex in rules.examples:
        total += 1
        unit = Unit("example", None, ex.text.encode("utf-8"))
        findings = detector.detect(unit, [Segment(ex.text, context=ex.context, line=1, column=1)])
        flags = [f for f in findings if f.flag]
        if ex.flag and not flags:
            failures.append(f"[{ex.pack}] flag example not flagged: {ex.text!r}")
        elif ex.flag and ex.kind and not any(f.kind == ex.kind for f in flags):
            failures.append(f"[{ex.pack}] expected {ex.kind}, got {sorted({f.kind for f in flags})}: {ex.text!r}")
        elif not ex.flag and flags:
            failures.append(f"[{ex.pack}] clean example flagged as {flags[0].kind}: {ex.text!r}")
    for path in rules.fixtures:
        checks, fails = check_fixture(detector, path)
        total += checks
        failures += fails
    return failures, total


def check_fixture(detector: Detector, path: Path) -> tuple[int, list[str]]:
    """Check one annotated fixture file; returns ``(checks, failures)``."""
    data = path.read_bytes()
    findings = [r for r in scan_unit(Unit(path.name, None, data), detector, ScanOptions()) if isinstance(r, Finding)]
    by_line: dict[int, set[str]] = {}
    for f in findings:
        if f.flag and "line" in f.evidence:
            by_line.setdefault(f.evidence["line"], set()).add(f.rule)
    lines = data.decode("utf-8", "replace").splitlines()
    checks, failures = 0, []
    for n, line in enumerate(lines, start=1):
        m = _MARKER.search(line)
        if not m:
            continue
        checks += 1
        target = n + 1
        fired = by_line.get(target, set())
        if m.group("rule") and m.group("rule") not in fired:
            failures.append(f"{path.name}:{target}: expected {m.group('rule')}, got {sorted(fired) or 'nothing'}")
        elif not m.group("rule") and fired:
            failures.append(f"{path.name}:{target}: expected no flag, got {sorted(fired)}")
    return checks, failures
