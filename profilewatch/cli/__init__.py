"""The command line (the only package that imports click); ``main`` is the console script."""
from .main import cli, main

__all__ = ["cli", "main"]
