"""The task scorer: fitted weights separate what they were fitted on, round-trip through JSON, refuse bad input."""

import numpy as np
import pytest

from embtaskgen.checks.task_scorer import SHIPPED_SCORER, TaskScorer
from embtaskgen.errors import ConfigError


def test_fit_score_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    keep = rng.random(60) < 0.4
    x = rng.normal(size=(60, 5)) + np.where(keep[:, None], 1.0, -1.0)
    cats = ["text-retrieval", "text-classification"] * 30
    scorer = TaskScorer.fit(x, cats, keep, penalty=0.5)
    scores = np.array(scorer.score(x, cats))
    assert scores[keep].min() > scores[~keep].max() - 0.5 and scores[keep].mean() > 0.7 > 0.3 > scores[~keep].mean()
    scorer.save(tmp_path / "s.json")
    assert TaskScorer.load(tmp_path / "s.json").score(x[:3], cats[:3]) == pytest.approx(scorer.score(x[:3], cats[:3]))


def test_the_shipped_scorer_is_for_384_dimensional_vectors():
    scorer = TaskScorer.load(SHIPPED_SCORER)
    assert len(scorer.weights) == 384 + 4 + 1 and "MiniLM" in scorer.model


def test_bad_input_is_refused(tmp_path):
    scorer = TaskScorer((0.0,) * 7)
    with pytest.raises(ConfigError, match="valid categories are"):
        scorer.score([[0.0, 0.0]], ["poems"])
    with pytest.raises(ConfigError, match="weights"):
        scorer.score([[0.0, 0.0, 0.0]], ["text-retrieval"])
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match="not a task scorer file"):
        TaskScorer.load(tmp_path / "bad.json")
