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
    # 证件过期或人证比对不过时转人工
    if card.get("expired"):
        return "MANUAL"
    return "PASS" if score >= 0.78 else "RETRY"
