"""A tiny CTranslate2 zh->en model built by the tests (random weights, SentencePiece trained here).

Its output is nonsense in English word pieces, which is all the desk's machine-translation test
needs: the text is tokenised by the source model, decoded by CTranslate2, detokenised by the
target model and shown under the label.  ``tiny_model(folder)`` skips loudly without the mt
extra (ctranslate2, sentencepiece; numpy comes with ctranslate2).
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest

ZH = ["系统对抓拍人员进行民族属性识别，维族人员实时预警。", "人脸识别平台支持维族人员自动识别，并对重点人员实时预警。"]
EN = ["the system recognises the ethnicity attribute of captured persons and raises an alert.",
      "the face recognition platform supports automatic recognition of uyghur persons."]
D_MODEL, FFN = 16, 32


def _spm(lines: list[str], path: Path):
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines * 20), model_writer=model, vocab_size=40,
                                   hard_vocab_limit=False, character_coverage=1.0, minloglevel=2)
    path.write_bytes(model.getvalue())
    proc = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [proc.id_to_piece(i) for i in range(proc.get_piece_size())]


def _shape(name: str, vocab: dict[str, int]) -> tuple[int, ...]:
    if name.endswith(("gamma", "beta")):
        return (D_MODEL,)
    for suffix, n in vocab.items():
        if name.endswith(suffix):
            return (n, D_MODEL)
    if "self_attention/linear_0" in name:
        return (3 * D_MODEL, D_MODEL)  # fused query, key, value
    if "/attention/linear_1" in name:
        return (2 * D_MODEL, D_MODEL)  # fused key, value of the encoder output
    if "ffn/linear_0" in name:
        return (FFN, D_MODEL)
    if "ffn/linear_1" in name:
        return (D_MODEL, FFN)
    return (D_MODEL, D_MODEL)


def tiny_model(folder: Path) -> Path:
    try:
        import ctranslate2  # noqa: F401
        import numpy as np
        import sentencepiece  # noqa: F401
        from ctranslate2 import specs
    except ImportError as exc:
        msg = f"SKIPPED: the machine-translation test needs the mt extra (pip install -e '.[mt]'): {exc}"
        warnings.warn(msg)
        pytest.skip(msg)
    folder.mkdir(parents=True, exist_ok=True)
    source, target = _spm(ZH, folder / "source.spm"), _spm(EN, folder / "target.spm")
    spec = specs.TransformerSpec.from_config(1, 2)
    spec.register_source_vocabulary(source)
    spec.register_target_vocabulary(target)
    vocab = {"embeddings_0/weight": len(source), "embeddings/weight": len(target), "projection/weight": len(target)}
    rng = np.random.default_rng(0)
    for name, value in list(spec.variables().items()):
        if value is not None:
            continue
        shape = _shape(name, vocab)
        array = np.ones(shape, np.float32) if name.endswith("gamma") else (rng.standard_normal(shape) * 0.1).astype(np.float32)
        owner, *path = spec, *name.split("/")
        for part in path[:-1]:
            if hasattr(owner, part):
                owner = getattr(owner, part)
            else:  # layer_0, linear_1, embeddings_0: an item of a list attribute
                base, index = part.rsplit("_", 1)
                owner = getattr(owner, base)[int(index)]
        setattr(owner, path[-1], array)
    spec.validate()
    spec.save(str(folder))
    return folder
