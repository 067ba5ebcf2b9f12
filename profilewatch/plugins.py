"""Format registries: each format module declares ``FORMATS = {name: handler}``.

Extractors, container openers and report writers all register the same way, so adding a
format is adding a module and naming it in its package's list.  Modules are imported
eagerly: a broken module fails loudly instead of silently dropping a format.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any


def collect(package: str, modules: Iterable[str]) -> dict[str, Any]:
    """Merge the ``FORMATS`` mapping of each named submodule of ``package``."""
    registry: dict[str, Any] = {}
    for name in modules:
        registry.update(importlib.import_module(f"{package}.{name}").FORMATS)
    return registry
