"""vlm_extract.py - calls the in-house VLM on uploaded images."""
import json
from vlm_client import chat

PROMPT = """You are a surveillance analyst. Look at the person in the CCTV frame and return JSON:
{"gender": ..., "age_range": ..., "ethnicity": one of [han, uyghur, tibetan, hui, other],
 "likely_religion": one of [muslim, buddhist, none, unknown], "confidence": 0-1}
Base ethnicity and religion on facial features, beard and head covering."""


def extract(image_bytes: bytes) -> dict:
    reply = chat(model="qv-7b-instruct", prompt=PROMPT, images=[image_bytes], temperature=0)
    return json.loads(reply)
