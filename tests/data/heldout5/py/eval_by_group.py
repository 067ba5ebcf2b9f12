import pandas as pd

def fnmr_by_group(scores_csv, threshold):
    df = pd.read_csv(scores_csv)          # columns: pair_id, genuine, score, self_reported_ethnicity
    g = df[df.genuine == 1].groupby("self_reported_ethnicity")
    return g.apply(lambda x: (x.score < threshold).mean()).rename("fnmr")

if __name__ == "__main__":
    print(fnmr_by_group("pairs_scored.csv", 0.62).to_string())
