"""profilewatch: find where surveillance-technology material claims, implements or configures
categorising people by a protected attribute (ethnicity, skin colour, religion, political
opinion, trade-union membership, sexual orientation) or targets a group.

    >>> import profilewatch
    >>> for record in profilewatch.scan(["examples/"]):
    ...     print(record)
"""
__version__ = "0.1.0"


def scan(paths, **options):
    """Scan files and folders; see :func:`profilewatch.api.scan`."""
    from .api import scan as _scan

    return _scan(paths, **options)
