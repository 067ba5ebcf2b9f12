"""gate_kiosk.py - ferry terminal ticket kiosk, ID-card verification step."""
import logging
from idcard_reader import read_card
from faceverify import compare

log = logging.getLogger("kiosk")
XJ_PREFIX = "65"


def verify_passenger(reader, camera):
    card = read_card(reader)          # dict: name, id_no, nation, address, photo
    score = compare(card["photo"], camera.snapshot())
    log.info("passenger %s nation=%s score=%.3f", card["id_no"][-4:], card["nation"], score)
    # 特殊处理：维族 / 新疆籍旅客一律转人工，并推送值班民警
    if card["nation"] in ("维吾尔", "维吾尔族") or card["id_no"].startswith(XJ_PREFIX):
        camera.save_evidence(card["id_no"])
        notify_duty_officer(card, reason="nation_check")
        return "MANUAL"
    return "PASS" if score >= 0.78 else "RETRY"
