"""The investigator's desk: ``profilewatch serve --store case.db``, a local review web app.

``app.create_app`` builds the Starlette app; ``security`` holds the host check, headers and
CSRF; ``views`` turns store rows into what the pages show.  Needs the ``serve`` extra
(starlette, uvicorn, python-multipart; followthemoney for the FtM export).
"""
