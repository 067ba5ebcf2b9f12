"""Each normalisation step, and the offset map back to the original text."""
import pytest

from profilewatch.text.normalize import fold_term, normalize


def _back(text: str, needle: str) -> str:
    """The original text behind the first occurrence of ``needle`` in the normalised text."""
    n = normalize(text)
    i = n.text.index(needle)
    s, e = n.span(i, i + len(needle))
    return text[s:e]


@pytest.mark.parametrize(
    "original, normal, back",
    [
        ("ＵＹＧＨＵＲ face", "uyghur", "ＵＹＧＨＵＲ"),  # full-width Latin (NFKC) and case folding
        ("种\u200b族属性", "种族属性", "种\u200b族属性"),  # zero-width space removed
        ("民\u00ad族", "民族", "民\u00ad族"),  # soft hyphen removed
        ("维\n族人员", "维族人员", "维\n族人员"),  # line break inside a CJK phrase
        ("维  族", "维族", "维  族"),  # spaces inside a CJK phrase
        ("維吾爾族", "维吾尔族", "維吾爾族"),  # Traditional -> Simplified (OpenCC)
        (r"\u7ef4\u65cf", "维族", r"\u7ef4\u65cf"),  # JS/JSON escapes
        (r"\\u7ef4\\u65cf", "维族", r"\\u7ef4\\u65cf"),  # double-escaped inside a JS string
        ("&#32500;&#x65cf;", "维族", "&#32500;&#x65cf;"),  # numeric character references
        ("recUygur", "rec uygur", "recUygur"),  # camelCase split
        ("EM_NATION_TYPE_UYGUR", "em nation type uygur", "EM_NATION_TYPE_UYGUR"),  # SCREAMING_CASE
        ("raceType", "race type", "raceType"),
        ("skin-tone", "skin tone", "skin-tone"),
        ("uygur02", "uygur 02", "uygur02"),
    ],
)
def test_step_and_offset_map(original, normal, back):
    n = normalize(original)
    assert normal in n.text
    assert _back(original, normal) == back


def test_blank_line_stays_a_break_but_single_newline_joins_prose():
    assert normalize("ethnicity\nclass").text == "ethnicity class"
    assert normalize("维吾\n尔族").text == "维吾尔族"
    assert "\n" in normalize("第一段。\n\n第二段。").text


def test_keep_lines_for_code():
    assert normalize("a = 1\nb = 2", keep_lines=True).text == "a = 1\nb = 2"


def test_offsets_survive_a_mix_of_everything():
    text = "前文 ＜b＞种\u200b族属性（如\\u7ef4族、漢族）后文"
    n = normalize(text)
    assert "种族属性(如维族、汉族)" in n.text
    i = n.text.index("维族")
    s, e = n.span(i, i + 2)
    assert text[s:e] == "\\u7ef4族"


def test_fold_term_matches_text_normalisation():
    assert fold_term("EthicCode") == "ethic code"
    assert fold_term("膚色") == "肤色"


def test_only_dotted_capital_i_lowercases_longer():
    from profilewatch.text.normalize import _LONG_LOWER

    longer = [c for c in map(chr, range(0x110000)) if len(c.lower()) > 1]
    assert all(_LONG_LOWER.fullmatch(c) for c in longer)
    n = normalize("İstanbul uygur")
    i = n.text.index("uygur")
    assert n.span(i, i + 5) == (9, 14)


def test_a_lone_line_break_read_as_a_space_moves_no_position():
    """One character for one in the whitespace step: no piece in the map, positions unchanged."""
    n = normalize("ab\ncd\tef")
    assert n.text == "ab cd ef" and n.maps == []
    raw = "Uyghur\nface  维\n族 a\nb\n\nc\td"
    n = normalize(raw)
    assert n.text == "uyghur face 维族 a b\nc d"
    for pos, ch in enumerate(n.text):
        if not ch.isspace():
            assert raw[n.to_original(pos)].lower() == ch, (pos, ch)
