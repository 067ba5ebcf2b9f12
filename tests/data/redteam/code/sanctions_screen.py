"""Supplier due-diligence screen: flag supplier documents mentioning sensitive analytics terms."""
import re

TERMS = ["维族", "维吾尔", "民族识别", "ethnicity", "race detection", "Uyghur alarm", "涉疆"]
RX = re.compile("|".join(map(re.escape, TERMS)), re.I)


def screen(doc_text: str) -> list[str]:
    """Return matched terms so a compliance analyst can review the supplier (UFLPA / AI Act)."""
    return sorted({m.group(0) for m in RX.finditer(doc_text)})
