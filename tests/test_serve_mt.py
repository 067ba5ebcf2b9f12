"""Machine translation on the desk (``serve --mt-model``): always labelled, always inert text.

A stand-in translator exercises the page (label, escaped output, a failing model); the CLI
refuses a folder that is not a model with a clear message (with or without the mt extra); a
CTranslate2 model runs for real: the one ``PROFILEWATCH_MT_MODEL`` names, else a tiny random
one the test builds (tests/mt_model.py; no model is ever downloaded).  Skips loudly without the
mt extra.
"""
from __future__ import annotations

import os
import re
import warnings

import pytest

from casecorpus import run_cli
from desk_world import PAYLOADS, make_store, need_serve
from mt_model import tiny_model

BASE = "http://127.0.0.1:8765"
LABEL = "machine translation — verify"


class Echo:
    def __init__(self, out: str | None = None) -> None:
        self.out, self.seen = out, []

    def translate(self, text: str) -> str:
        self.seen.append(text)
        if self.out is None:
            raise RuntimeError("model crashed")
        return self.out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    need_serve()
    return make_store(tmp_path_factory.mktemp("desk-mt"))


def _client(db, translator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    from profilewatch.serve.app import create_app

    return TestClient(create_app(str(db), translator=translator), base_url=BASE)


def _first(client, q: str) -> str:
    return re.search(r'href="/finding/([0-9a-f]{32})"', client.get("/", params={"q": q}).text).group(1)


def test_translation_is_labelled_and_shown_as_text(world):
    mt = Echo(f"The system warns on Uyghur persons {PAYLOADS['script']}")
    client = _client(world, mt)
    page = client.get(f"/finding/{_first(client, '民族属性')}").text
    assert LABEL in page and 'id="mt-text"' in page
    assert "&lt;script&gt;document.title" in page and PAYLOADS["script"] not in page
    assert mt.seen and "民族属性" in mt.seen[0]


def test_a_failing_model_leaves_the_page_up_and_says_so(world):
    client = _client(world, Echo(None))
    res = client.get(f"/finding/{_first(client, '民族属性')}")
    assert res.status_code == 200 and "translation failed: RuntimeError: model crashed" in res.text


def test_without_a_translator_there_is_no_translation_block(world):
    client = _client(world, None)
    assert LABEL not in client.get(f"/finding/{_first(client, '民族属性')}").text


def test_serve_refuses_a_folder_that_is_not_a_model(world, tmp_path):
    res = run_cli("serve", "--store", str(world), "--mt-model", str(tmp_path))
    assert res.exit_code == 2
    assert "mt extra" in res.output or "not a CTranslate2 model folder" in res.output


def test_a_ctranslate2_model_translates_on_the_page(world, tmp_path):
    """A real model when PROFILEWATCH_MT_MODEL names one (zh->en), else the tiny one built here."""
    from profilewatch.serve.mt import Translator

    folder = os.environ.get("PROFILEWATCH_MT_MODEL") or str(tiny_model(tmp_path / "tiny-zh-en"))
    client = _client(world, Translator(folder))
    page = client.get(f"/finding/{_first(client, '民族属性')}").text
    text = re.search(r'<blockquote lang="en" id="mt-text">(.*?)</blockquote>', page, re.S).group(1)
    assert LABEL in page and text.strip() and not re.search(r"[\u4e00-\u9fff]", text)
    res = run_cli("serve", "--store", str(world), "--mt-model", str(tmp_path))  # the folder above it: no model.bin
    assert res.exit_code == 2 and "not a CTranslate2 model folder" in res.output
