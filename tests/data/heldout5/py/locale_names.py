LANGUAGE_NAMES_ZH_HANT = {
    "zh": "中文",
    "en": "英文",
    "bo": "藏文",
    "ug": "維吾爾文",
    "mn": "蒙古文",
    "kk": "哈薩克文",
}

def display_name(code: str) -> str:
    return LANGUAGE_NAMES_ZH_HANT.get(code, code)
