"""fit_floors: each floor fitted on the reader's labels, the model's keeps held on their own."""

from embtaskgen.checks.fitting import fit_floors
from embtaskgen.checks.matching import MatchingChecks
from embtaskgen.checks.similarity import Similarity


def _sim():
    return Similarity(lambda texts: [[t.count("a"), t.count("b"), 0.2] for t in texts])


def _row(match, reader, **extra):
    reason = {} if reader == "keep" else {"reader_reason": "mismatched"}
    row = {"kind": "text-matching-short", "input": "a", "positive_document": match, "reader": reader}
    return {**row, **reason, **extra}


def test_many_hand_written_keeps_do_not_let_a_floor_fail_the_models_few():
    # cos("a", .): "ab" 0.71 (the model's one keep), "aab" 0.89 (a drop), "aa" 0.99 (20 coherent)
    rows = [_row("ab", "keep"), _row("aab", "drop"), *(_row("aa", "keep", planted=None) for _ in range(20))]
    floor = fit_floors(rows, MatchingChecks(), _sim(), min_recall=0.95)["pair_unrelated"]
    assert floor <= 0.71  # pooled, 20 of 21 keeps would pass at 0.99 and the model's keep would fail


def test_a_floor_is_the_most_precise_that_keeps_the_recall_asked():
    rows = [_row("a", "keep"), _row("aab", "keep"), _row("abb", "drop"), _row("b", "drop")]
    floors = fit_floors(rows, MatchingChecks(), _sim(), min_recall=1.0)
    assert 0.45 < floors["pair_unrelated"] <= 0.89  # between the drop "abb" (0.45) and the lower keep (0.89)
