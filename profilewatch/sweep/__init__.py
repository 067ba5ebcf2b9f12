"""``sweep`` and ``capture``: from a vendor's domain to a WARC of every captured page, then its evidence.

:mod:`.sources` lists records (Wayback CDX, Common Crawl index, URL/CDXJ files;
:mod:`.columnar` for Parquet), :mod:`.fetch` turns one record into WARC records with provenance,
:mod:`.store` keeps the output WARC and its manifest (resumable), :mod:`.executor` runs fetches
concurrently, :mod:`.run` ties them together and scans the result, :mod:`.capture` saves live
pages.  See docs/sweep.md.
"""
