"""Map attire detector classes to an inferred faith label for the venue dashboard."""
from detectors import AttireDetector

ATTIRE_TO_FAITH = {
    "hijab": "muslim",
    "niqab": "muslim",
    "kufi": "muslim",
    "kippah": "jewish",
    "turban_dastar": "sikh",
}


def infer_faith(frame):
    people = []
    for det in AttireDetector().run(frame):
        faith = ATTIRE_TO_FAITH.get(det.label)
        people.append({"track": det.track_id, "faith": faith or "unknown", "score": det.score})
    return people
