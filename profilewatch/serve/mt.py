"""Optional machine translation of evidence sentences for the desk (``serve --mt-model PATH``).

Contract: :class:`Translator` loads a CTranslate2 model folder the user points to (nothing is
ever downloaded) with its SentencePiece models (``source.spm`` and ``target.spm``, or one
``sentencepiece.model`` for both) and translates one sentence at a time on the CPU, greedy,
with a small cache.  Needs the ``mt`` extra (ctranslate2, sentencepiece): without it, or
with a folder that is not such a model, :class:`MtUnavailable` says why.  The desk always
shows the output under :data:`LABEL`: it is a reading aid, never evidence.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

LABEL = "machine translation — verify"
SPM_NAMES = (("source.spm", "target.spm"), ("sentencepiece.model", "sentencepiece.model"),
             ("source.model", "target.model"))
MAX_CHARS = 1000


class MtUnavailable(RuntimeError):
    """No translation: the mt extra is missing or the folder is not a CTranslate2 + SentencePiece model."""


class Translator:
    """One CTranslate2 model with its SentencePiece tokenizers; :meth:`translate` a sentence."""

    def __init__(self, folder: str) -> None:
        try:
            import ctranslate2
            import sentencepiece
        except ImportError as exc:
            raise MtUnavailable(f"machine translation needs the mt extra: pip install 'profilewatch[mt]' ({exc})") from exc
        path = Path(folder)
        if not (path / "model.bin").is_file():
            raise MtUnavailable(f"{folder}: not a CTranslate2 model folder (no model.bin)")
        names = next((pair for pair in SPM_NAMES if (path / pair[0]).is_file() and (path / pair[1]).is_file()), None)
        if names is None:
            raise MtUnavailable(f"{folder}: no SentencePiece models (source.spm + target.spm, or sentencepiece.model)")
        try:
            self.model = ctranslate2.Translator(str(path), device="cpu", inter_threads=1, intra_threads=1)
            self.source = sentencepiece.SentencePieceProcessor(model_file=str(path / names[0]))
            self.target = sentencepiece.SentencePieceProcessor(model_file=str(path / names[1]))
        except (RuntimeError, OSError, ValueError) as exc:
            raise MtUnavailable(f"{folder}: cannot load the model: {exc}") from exc
        self.name = path.name
        self.translate = lru_cache(maxsize=2048)(self._translate)

    def _translate(self, text: str) -> str:
        tokens = self.source.encode(text[:MAX_CHARS], out_type=str)
        result = self.model.translate_batch([tokens], beam_size=1, max_decoding_length=min(512, 3 * len(tokens) + 16))
        return self.target.decode(result[0].hypotheses[0])
