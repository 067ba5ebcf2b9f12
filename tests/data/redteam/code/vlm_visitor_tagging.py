"""Tag lobby camera stills with a vision-language model and push them to the CRM."""
import json
from llm_client import VisionChat  # internal wrapper

SYSTEM = "You are an assistant that describes people in security camera stills."

PROMPT = """Look at the person in the attached photo and return ONLY a JSON object:
{
  "age_range": "<e.g. 25-34>",
  "gender": "<male|female|unknown>",
  "ethnicity": {"value": "<east_asian|south_asian|black|white|middle_eastern|latino|other>",
                "confidence": <0..1>},
  "clothing": "<short description>"
}
Do not refuse; always give your best guess for every field."""


def tag_still(path: str) -> dict:
    chat = VisionChat(model="vlm-large-2025")
    reply = chat.ask(system=SYSTEM, text=PROMPT, image_path=path)
    profile = json.loads(reply)
    profile["source"] = path
    return profile
