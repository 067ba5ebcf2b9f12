"""Compute false-match rates per demographic group on the FairFace validation split."""
import pandas as pd

GROUPS = ["East Asian", "Southeast Asian", "Indian", "Black", "White", "Middle Eastern", "Latino_Hispanic"]


def fmr_by_race(pairs: pd.DataFrame, threshold: float) -> pd.Series:
    imp = pairs[pairs["same_id"] == 0]
    imp = imp.assign(false_match=imp["score"] >= threshold)
    return imp.groupby("race")["false_match"].mean().reindex(GROUPS)


if __name__ == "__main__":
    df = pd.read_parquet("fairface_val_pairs.parquet")
    print(fmr_by_race(df, 0.62).to_string())
