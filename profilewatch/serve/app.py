"""The investigator's desk: a local Starlette app over a case store (``profilewatch serve``).

Contract: :func:`create_app` returns an ASGI app serving, from one case store only,

* ``GET /``                     the findings of the latest scan: facets, full-text search, paging;
* ``GET /finding/{fp}``         one finding: highlighted snippet, gloss, machine translation (only
                                with a translator, labelled "verify"), context lines, locator,
                                provenance, the places/captures it was seen in, review history;
* ``GET /finding/{fp}/source``  the stored evidentiary copy as ``text/plain`` under a sandbox CSP;
* ``POST /finding/{fp}/review`` and ``POST /bulk``: review decisions (``Store.decide``, the same
                                log the CLI writes, ``source='desk'``); CSRF token required;
* ``GET /audit``                the append-only review log;
* ``GET /export?fmt=..``        the current selection as csv/html/sarif/md/jsonl/ftm/evidence.

Every response passes :class:`~profilewatch.serve.security.Guard` (host check, CSP...).  No
request value is ever used as a path: fingerprints are looked up in the store, static files
come from a fixed table.  DB access is serialised by one lock (one SQLite connection).
"""
from __future__ import annotations

import re
import threading
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..case import search
from ..case.store import DECISIONS, Store, StoreError
from ..report.common import category_label, kind_label
from . import views
from .mt import LABEL as MT_LABEL
from .security import LOOPBACK, SANDBOX_CSP, Csrf, Guard

FINGERPRINT = re.compile(r"^[0-9a-f]{6,64}$")
STATIC = {"desk.js": "text/javascript; charset=utf-8", "desk.css": "text/css; charset=utf-8"}
PER_PAGE = 100


def _asset(folder: str, name: str) -> str:
    return (resources.files(__package__) / folder / name).read_text(encoding="utf-8")


class Desk:
    """The app's state: the store (one connection behind a lock), templates, CSRF token, reviewer."""

    def __init__(self, store_path: str, reviewer: str, csrf: Csrf, translator: Any = None) -> None:
        self.store = Store(store_path, create=False, threads=True)
        self.translator = translator
        self.lock = threading.RLock()
        self.reviewer = reviewer
        self.csrf = csrf
        self.env = jinja2.Environment(loader=jinja2.FunctionLoader(lambda n: _asset("templates", n)),
                                      autoescape=True)
        self.env.globals.update(status_labels=views.STATUS_LABELS, category_label=category_label, mt_label=MT_LABEL,
                                kind_label=kind_label, decisions=DECISIONS, exports=list(views.EXPORTS))
        with self.lock:
            search.ensure_index(self.store)

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(csrf=self.csrf.token, reviewer=self.reviewer, **context)
        return HTMLResponse(html, status_code=status)

    def scan_id(self) -> int:
        scan = self.store.latest_scan(complete_only=False)
        if scan is None:
            raise StoreError(f"no scan in {self.store.path}")
        return scan["id"]


def create_app(store_path: str, *, reviewer: str = "desk", allowed_hosts: tuple[str, ...] = LOOPBACK,
               csrf_token: str | None = None, translator: Any = None) -> Any:
    """The desk over ``store_path`` wrapped in its guard; raises StoreError for a bad store.
    ``translator`` (a :class:`~profilewatch.serve.mt.Translator` or anything with ``translate(str)
    -> str``) adds a machine translation of the evidence sentence to each finding page."""
    desk = Desk(store_path, reviewer, Csrf(csrf_token), translator)

    async def findings_list(request: Request) -> Response:
        flt = search.Filters.from_params(request.query_params)
        page = _int(request.query_params.get("page"), 1)
        with desk.lock:
            search.ensure_index(desk.store)
            result = search.query(desk.store, desk.scan_id(), flt, page=page, per_page=PER_PAGE)
        params = flt.params()
        return desk.render("list.html", page=result, filters=flt, params=params, query=urlencode(params),
                           pages=max(1, -(-result.total // PER_PAGE)))

    async def finding_page(request: Request) -> Response:
        fp = _fingerprint(request)
        with desk.lock:
            try:
                view = views.finding_view(desk.store, fp)
            except StoreError as exc:
                return desk.render("error.html", 404, message=str(exc))
        if desk.translator is not None:
            view["mt"] = views.machine_translation(desk.translator, view["finding"])
        return desk.render("finding.html", v=view, back=request.query_params.get("back", ""))

    async def finding_source(request: Request) -> Response:
        fp = _fingerprint(request)
        with desk.lock:
            try:
                view = views.finding_view(desk.store, fp)
            except StoreError as exc:
                return PlainTextResponse(str(exc), status_code=404)
            text = views.source_text(desk.store, view["finding"]["sha256"])
        if text is None:
            return PlainTextResponse("no stored copy of this unit", status_code=404)
        return PlainTextResponse(text, headers={"content-security-policy": SANDBOX_CSP,
                                                "content-disposition": "inline"})

    async def review(request: Request) -> Response:
        fp = _fingerprint(request)
        form = await _form(request, desk.csrf)
        decision, note, who = _decision(form, desk.reviewer)
        with desk.lock:
            full = desk.store.resolve(fp)
            desk.store.decide(full, decision, who, note, source="desk")
        return RedirectResponse(f"/finding/{full}", status_code=303)

    async def bulk(request: Request) -> Response:
        form = await _form(request, desk.csrf)
        decision, note, who = _decision(form, desk.reviewer)
        fps = [f for f in form.getlist("fp") if FINGERPRINT.match(f)]
        with desk.lock:
            if form.get("scope") == "all":
                fps = search.selection(desk.store, desk.scan_id(), search.Filters.from_params(form))
            known = {r[0] for r in desk.store.query("SELECT DISTINCT fingerprint FROM findings")} if fps else set()
            fps = [f for f in fps if f in known]
            if fps:
                desk.store.decide(fps, decision, who, note, source="desk")
        query = urlencode({**search.Filters.from_params(form).params(), "done": len(fps)})
        return RedirectResponse("/?" + query, status_code=303)

    async def audit(request: Request) -> Response:
        with desk.lock:
            rows = desk.store.query("SELECT * FROM reviews ORDER BY id DESC LIMIT 1000")
        return desk.render("audit.html", rows=[dict(r) for r in rows])

    async def export(request: Request) -> Response:
        fmt = request.query_params.get("fmt", "")
        if fmt not in views.EXPORTS:
            return PlainTextResponse("unknown export format", status_code=400)
        flt = search.Filters.from_params(request.query_params)
        with desk.lock:
            scan_id = desk.scan_id()
            try:
                body = views.export(desk.store, scan_id, set(search.selection(desk.store, scan_id, flt)), fmt)
            except StoreError as exc:
                return PlainTextResponse(str(exc), status_code=500)
        media, ext = views.EXPORTS[fmt]
        return Response(body, media_type=media,
                        headers={"content-disposition": f'attachment; filename="profilewatch-selection.{ext}"'})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response(_asset("static", name), media_type=STATIC[name])

    routes = [Route("/", findings_list), Route("/finding/{fp}", finding_page), Route("/finding/{fp}/source", finding_source),
              Route("/finding/{fp}/review", review, methods=["POST"]), Route("/bulk", bulk, methods=["POST"]),
              Route("/audit", audit), Route("/export", export), Route("/static/{name}", static)]
    app = Starlette(routes=routes, exception_handlers={400: _bad_request, 403: _bad_request, 404: _bad_request})
    app.state.desk = desk
    return Guard(app, allowed_hosts)




async def _bad_request(request: Request, exc: Any) -> Response:
    return PlainTextResponse(getattr(exc, "detail", "bad request"), status_code=getattr(exc, "status_code", 400))


def _fingerprint(request: Request) -> str:
    from starlette.exceptions import HTTPException

    fp = request.path_params["fp"]
    if not FINGERPRINT.match(fp):
        raise HTTPException(404, "no such finding")
    return fp


async def _form(request: Request, csrf: Csrf) -> Any:
    from starlette.exceptions import HTTPException

    form = await request.form()
    if not csrf.check(form.get("csrf")):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page")
    return form


def _decision(form: Any, default_reviewer: str) -> tuple[str, str | None, str]:
    from starlette.exceptions import HTTPException

    decision = form.get("decision", "")
    if decision not in DECISIONS:
        raise HTTPException(400, "unknown review status")
    note = (form.get("note") or "").strip()[:4000] or None
    who = (form.get("reviewer") or "").strip()[:200] or default_reviewer
    return decision, note, who


def _int(value: Any, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default
