"""PCA of HGDP genotypes coloured by population label (self-identified, from sample metadata)."""
import allel
import matplotlib.pyplot as plt

POPS = {"Han": "#c00", "Uygur": "#06c", "Tu": "#393", "Yakut": "#999", "Japanese": "#f90", "Yoruba": "#636"}


def plot(coords, labels):
    for pop, colour in POPS.items():
        idx = [i for i, l in enumerate(labels) if l == pop]
        plt.scatter(coords[idx, 0], coords[idx, 1], c=colour, label=pop, s=8)
    plt.legend(); plt.savefig("hgdp_pca.png")
