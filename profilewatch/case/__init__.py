"""The case: the SQLite store (``store``, ``session``), baselines, review decisions, stream
filters and evidence bundles.  All SQL of profilewatch lives in this package."""
