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

# Sixth round (wt-acc7). A distribution of the attribute over a data set ("Race Distribution" of UTKFace, of a
# thousand generated images) is a measure across groups -- but only of data (DATA_WORDS in the unit) that no model is
# trained on here (TRAINING cues): a dashboard's "ethnicity distribution of visitors" is analytics of people seen
DISTRIBUTION = frozenset({"race distribution", "ethnicity distribution", "ethnic distribution", "racial distribution",
                          "skin tone distribution", "demographic distribution", "demographic distributions",
                          "gender distribution", "age distribution"})
DATA_WORDS = frozenset({"dataset", "datasets", "数据集", "样本", "测试集", "total samples"})  # training data is no study alone
NAME_PROXY = frozenset({"race-from-name", "ethnicity-of-names"})
"""patterns of race or ethnicity inferred from a person's name (BISG, a name-ethnicity classifier): a proxy of the person"""


def measures_of(evaluation: set[str], genre_words: set[str], training: set[str]) -> set[str]:
    """``evaluation`` cue words that measure: data words never do; distribution words only over a data set that the
    unit does not train a model on (a race classifier's notebook plots its classes' distribution before it trains)."""
    out = evaluation - DATA_WORDS
    return out if genre_words & DATA_WORDS and not training else out - DISTRIBUTION


def near_measures(evaluation: set[str], genre) -> set[str]:
    """The evaluation cues of a sentence that measure (with the data words beside them), or nothing: see measures_of."""
    kept = measures_of(evaluation, genre.evaluation, genre.training)
    return {w for w in evaluation if w in kept or w in DATA_WORDS} if kept else set()
