"""Text: decoding bytes (``encoding``) and offset-mapped normalisation (``normalize``).

The ground floor with :mod:`profilewatch.records` and :mod:`profilewatch.options`: it imports
nothing else of profilewatch.
"""
