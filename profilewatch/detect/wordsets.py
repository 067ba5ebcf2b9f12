"""Word sets of the fifth accuracy round (wt-acc6) that :mod:`.classify` reads (kept apart for its size)."""
from __future__ import annotations

# skin care words (unrelated cues): COSMETICS_TERMS of them make a unit about skin care (a skin type for product advice)
COSMETICS = frozenset({"skincare", "moisturizer", "moisturiser", "moisturizers", "sunscreen", "spf", "acne", "sebum", "pores",
                       "oily skin", "dry skin", "dermatologist", "dermatologists", "dermatology", "cosmetic", "cosmetics",
                       "foundation shade", "护肤", "护肤品", "保湿", "化妆品", "粉底", "油性皮肤", "干性皮肤", "痘痘"})
COSMETICS_TERMS = 3
CAVEATS = frozenset({"bias", "biased", "fairness", "偏差", "偏见", "公平性"})  # fairness words of a README's caveat too
OWN_METRICS = frozenset({"evaluation"})  # a README's "Model Evaluation" heading: no measure beside caveats only
RACE_CLASS_NAMES = frozenset({"asian", "african", "indian", "caucasian", "hispanic", "latino", "east asian", "southeast asian",
                              "south asian", "middle eastern", "arab", "african american"})  # races, not countries
NATIONALITY = frozenset({"nationality", "nation"})
