"""scripts/seed_spread.py: the seed it varies is the one DIET trains with; each figure summed over the sets."""

import sys

import yaml

from bot.config import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import seed_spread  # noqa: E402  (a script, beside the package)


def test_the_seed_varied_is_the_one_diet_trains_with():
    config = (ROOT / "config.yml").read_text()
    assert len(seed_spread.SEED.findall(config)) == 1
    pipeline = yaml.safe_load(seed_spread.seeded(config, 7))["pipeline"]
    assert [c["random_seed"] for c in pipeline if "random_seed" in c] == [7]
    assert [c["name"] for c in pipeline if "random_seed" in c][0].endswith("DIETClassifier")


def test_each_figure_is_summed_over_the_sets():
    figures = {"files": {"a.yml": {"answers": [3, 4], "grounded": [0, 0], "median_words": 50},
                         "b.yml": {"answers": [1, 2], "conversations": [2, 2]}}}
    assert seed_spread.totals(figures) == {"answers": [4, 6], "conversations": [2, 2]}
