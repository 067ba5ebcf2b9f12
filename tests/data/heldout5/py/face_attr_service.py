from dataclasses import dataclass, asdict
import numpy as np

RACE_LABELS = ["asian", "black", "white", "indian", "other"]

@dataclass
class FaceResult:
    bbox: tuple
    age: int
    gender: str
    race: str
    race_score: float

def analyse(frame, detector, attr_net):
    out = []
    for box, crop in detector(frame):
        logits = attr_net(crop)
        ridx = int(np.argmax(logits["race"]))
        out.append(asdict(FaceResult(box, int(logits["age"]), logits["gender"],
                                     RACE_LABELS[ridx], float(logits["race"][ridx]))))
    return out
