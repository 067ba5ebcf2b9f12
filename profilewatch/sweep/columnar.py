"""The Common Crawl columnar URL index (Parquet) as a sweep source, through DuckDB.

Common Crawl publishes its URL index as Parquet too (``cc-index/table/cc-main/warc/``, one
partition per ``crawl`` and ``subset``).  :func:`columnar_records` queries a local copy (a file,
a folder or a glob) for every record under a list of hosts -- a host matches itself, its
subdomains (``url_host_name``) and its registered domain (``url_host_registered_domain``) --
filtered by mimetype (``content_mime_detected``, else ``content_mime_type``), status, crawl
and date, and yields the same :class:`~profilewatch.sweep.sources.SweepRecord` list as the
index server: WARC ranges under the data prefix.  DuckDB reads remote ``https://``/``s3://``
copies through its ``httpfs`` extension, which it downloads on first use.

Needs the optional extra ``profilewatch[columnar]`` (DuckDB); without it the source stops with
a clear message.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from .sources import DEFAULT_CC_DATA, SweepRecord

COLUMNS = ("url", "fetch_time", "fetch_status", "content_mime_detected", "content_mime_type", "content_digest",
           "warc_filename", "warc_record_offset", "warc_record_length", "crawl")


class ColumnarUnavailable(RuntimeError):
    """DuckDB is not installed."""


def columnar_records(parquet: str, hosts: list[str], *, mimes: str | None = None,
                     statuses: tuple[str, ...] = ("200",), crawls: list[str] | None = None,
                     date_from: str | None = None, date_to: str | None = None,
                     data_prefix: str = DEFAULT_CC_DATA) -> Iterator[SweepRecord]:
    """Every record of the Parquet index at ``parquet`` under ``hosts`` (see the module docstring)."""
    try:
        import duckdb
    except ImportError:
        raise ColumnarUnavailable("the columnar source needs DuckDB: pip install 'profilewatch[columnar]'") from None
    source = str(Path(parquet) / "**" / "*.parquet") if Path(parquet).is_dir() else parquet
    where, args = [], []
    host_terms = []
    for host in hosts:
        host = host.lower().strip(".")
        host_terms.append("(url_host_name = ? OR url_host_name LIKE ? OR url_host_registered_domain = ?)")
        args += [host, "%." + host, host]
    if host_terms:
        where.append("(" + " OR ".join(host_terms) + ")")
    if statuses:
        where.append(f"fetch_status IN ({', '.join('?' for _ in statuses)})")
        args += [int(s) for s in statuses]
    if mimes:
        where.append("regexp_full_match(coalesce(content_mime_detected, content_mime_type, ''), ?)")
        args.append(mimes)
    if crawls:
        where.append(f"crawl IN ({', '.join('?' for _ in crawls)})")
        args += crawls
    for value, op in ((date_from, ">="), (date_to, "<=")):
        if value:
            where.append(f"strftime(fetch_time, '%Y%m%d%H%M%S') {op} ?")
            args.append(value.ljust(14, "0" if op == ">=" else "9"))
    sql = (f"SELECT {', '.join(COLUMNS)} FROM read_parquet(?, union_by_name=true, hive_partitioning=true)"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY url, fetch_time")
    con = duckdb.connect()
    try:
        for row in con.execute(sql, [source, *args]).fetchall():
            line = dict(zip(COLUMNS, row))
            ts = re.sub(r"\D", "", str(line["fetch_time"]))[:14]
            line["fetch_time"] = str(line["fetch_time"])
            yield SweepRecord("cc", line["url"], data_prefix + line["warc_filename"], ts, str(line["fetch_status"]),
                              line["content_mime_detected"] or line["content_mime_type"] or "",
                              line["content_digest"] or "", line["crawl"] or "", line["warc_filename"],
                              int(line["warc_record_offset"]), int(line["warc_record_length"]), line=line)
    finally:
        con.close()
