"""Markdown for issues and e-mails: a summary table, then the flag findings by source.

Scanned text never reaches the Markdown as markup: snippets sit in fenced code blocks whose
fence is longer than any backtick run inside, names and matches in code spans sized the same
way (so ``<script>``, ``[links](javascript:...)``, ``@mentions`` and ``#refs`` stay inert),
and the remaining free text (explanations, messages) is backslash-escaped with ``<``/``>``/``&``
as entities.  Invisible characters are written as ``<U+202E>``.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

from ..text.display import cut_words
from .common import (
    _num,
    DocumentWriter,
    category_label,
    flag_matrix,
    is_warc,
    kind_label,
    verdict,
    member_chain,
    place,
    reveal,
    sort_key,
    warc_parts,
)

MAX_FINDINGS = 500
SNIPPET_CHARS = 1200
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~@#])")


def escape(text: Any) -> str:
    """Free text as inert Markdown: one line, punctuation escaped, HTML characters as entities."""
    s = reveal(" ".join(str(text or "").split()))
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s


def code(text: Any) -> str:
    """An inline code span holding ``text`` verbatim (on one line); safe inside table cells."""
    s = reveal(" ".join(str(text or "").split())).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") or not s.strip() else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def block(text: Any) -> str:
    """A fenced code block holding ``text`` verbatim."""
    s = reveal(str(text or "")).replace("\r\n", "\n").replace("\r", "\n")
    longest = max((len(m) for m in re.findall(r"`{3,}|~{3,}", s)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{s}\n{fence}"


class MarkdownWriter(DocumentWriter):
    """``--format md``.  Lists flag findings (``include_clean=True`` for all), at most 500."""

    def render(self, summary: dict[str, Any]) -> None:
        w = self.out.write
        h = self.head
        u = summary.get("units") or {}
        w("# profilewatch report\n\n")
        meta = [f"profilewatch {escape(h.get('version', ''))}"]
        if h.get("started"):
            meta.append(f"scan started {escape(h['started'])}")
        if h.get("rules_digest"):
            meta.append(f"rules {code(h['rules_digest'])}")
        w(" · ".join(meta) + "\n\n")
        w(f"- **{summary.get('flag_findings', 0)} flag findings** of {summary.get('findings', 0)} findings\n")
        w(f"- {u.get('scanned', 0)} units scanned of {u.get('seen', 0)}; {u.get('skipped', 0)} skipped, "
          f"{u.get('error', 0)} failed; {u.get('containers', 0)} containers opened\n\n")
        cats, kinds, counts = flag_matrix(self.findings)
        if cats:
            w("| category | " + " | ".join(kind_label(k) for k in kinds) + " |\n")
            w("|---|" + "---:|" * len(kinds) + "\n")
            for c in cats:
                w(f"| {category_label(c)} | " + " | ".join(str(counts.get((c, k), 0)) for k in kinds) + " |\n")
            w("\n")
        shown = [f for f in self.findings if f.get("flag") or self.options.get("include_clean")]
        groups: "OrderedDict[str, list[dict[str, Any]]]" = OrderedDict()
        for f in sorted(shown, key=sort_key)[:MAX_FINDINGS]:
            groups.setdefault(self.paths.file(str(f.get("file") or "")), []).append(f)
        if groups:
            w("## Findings\n\n")
        for file, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            w(f"### {code(file)}\n\n")
            for f in items:
                self._finding(f)
        if len(shown) > MAX_FINDINGS:
            w(f"_{len(shown) - MAX_FINDINGS} more findings not listed; see the full JSONL or HTML report._\n\n")
        if self.timeline:
            w("## Timeline\n\n| page | claim | status | events |\n|---|---|---|---|\n")
            for t in self.timeline:
                events = "; ".join(f"{escape(str(e.get('event', '')).replace('_', ' '))} {escape(e.get('date'))}"
                                   for e in t.get("events") or [] if isinstance(e, dict))
                claim = t.get("claim") or t.get("fingerprint")
                w(f"| {code(t.get('url'))} | {code(claim)} | {escape(str(t.get('status') or '').replace('_', ' '))} "
                  f"| {events} |\n")
            w("\n")
        if self.problems:
            w(f"## Units not scanned ({len(self.problems)})\n\n")
            for p in self.problems[:50]:
                where = code(self.paths.file(str(p.get("file") or "")))
                if p.get("member"):
                    where += " › " + code(p["member"])
                w(f"- {escape(p.get('type'))} {where}: {escape(p.get('reason'))}: "
                  f"{escape(self.paths.scrub(str(p.get('message') or '')))}\n")
            if len(self.problems) > 50:
                w(f"- … {len(self.problems) - 50} more\n")
            w("\n")

    def _finding(self, f: dict[str, Any]) -> None:
        ev = f.get("evidence") or {}
        cats = ", ".join(category_label(c) for c in f.get("categories") or [f.get("category")] if c)
        head = f"**{verdict(f).upper()}** {kind_label(str(f.get('kind')))} · {escape(cats)} · confidence {_num(f.get('confidence')):.2f}"
        where = []
        if is_warc(f):
            uri, date = warc_parts(f)
            where.append(f"WARC record {code(uri)} {escape(date)}")
        elif member_chain(f):
            where.append("member " + " › ".join(code(m) for m in member_chain(f)))
        where += [f"{escape(label)} {escape(value)}" for label, value in place(ev)]
        self.out.write(f"- {head}" + (f"  \n  {' · '.join(where)}" if where else "") + "\n\n")
        cut = ev.get("cut") or {}
        text = ("…" if cut.get("start") else "") + str(ev.get("text") or "")
        text = cut_words(text, SNIPPET_CHARS) if len(text) > SNIPPET_CHARS else text + ("…" if cut.get("end") else "")
        self.out.write("  " + block(text).replace("\n", "\n  ") + "\n\n")
        terms = [t for t in dict.fromkeys([ev.get("match"), *(f.get("terms") or [])]) if isinstance(t, str) and t]
        if terms:
            self.out.write("  Matched: " + ", ".join(code(t) for t in terms) + "  \n")
        if f.get("explanation"):
            self.out.write(f"  Why: {escape(f['explanation'])}  \n")
        self.out.write(f"  sha256 {code(f.get('sha256'))} · fingerprint {code(f.get('fingerprint'))}\n\n")


FORMATS = {"md": MarkdownWriter}
