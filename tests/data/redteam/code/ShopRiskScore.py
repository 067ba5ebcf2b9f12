# 单位风险评分（治安检查）
WEIGHTS = {
    "sfwzrykb": 30,
    "wzrypfcr": 25,
    "gydlwzry": 20,
    "sfaqjc": -10,
}


def score(unit: dict) -> int:
    s = 0
    for k, w in WEIGHTS.items():
        if str(unit.get(k, "0")) == "1":
            s += w
    return s


def needs_visit(unit: dict) -> bool:
    return score(unit) >= 40
