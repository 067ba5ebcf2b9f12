"""vlm_extract.py - calls the in-house VLM on uploaded images."""
import json
from vlm_client import chat

PROMPT = """You are an OCR assistant. The image is the front of a PRC resident ID card. Return JSON with the
fields exactly as printed: {"name": ..., "sex": ..., "nation": ..., "birth": ..., "address": ..., "id_number": ...}.
Copy the 民族 value as printed (e.g. "汉"); never guess any field from the photo on the card."""


def extract(image_bytes: bytes) -> dict:
    reply = chat(model="qv-7b-instruct", prompt=PROMPT, images=[image_bytes], temperature=0)
    return json.loads(reply)
