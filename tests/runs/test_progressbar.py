"""The run's progress bar shows the counts and, when a pacer keeps the rate limits, the pace."""

from __future__ import annotations

from embtaskgen.runs.progressbar import make_bar


def test_the_pace_follows_the_counts_in_the_postfix(capsys):
    bar = make_bar(total=10, initial=0, enabled=True, status=lambda: {"pace": "598/min of 600", "429s": "3"})
    bar.update(1)
    bar.set_postfix(ok=1, failed=0, refresh=True)
    bar.close()
    shown = capsys.readouterr().err
    assert all(part in shown for part in ("ok=1", "failed=0", "pace=598/min of 600", "429s=3"))


def test_without_a_pacer_only_the_counts(capsys):
    bar = make_bar(total=10, initial=0, enabled=True)
    bar.set_postfix(ok=1, failed=0, refresh=True)
    bar.close()
    shown = capsys.readouterr().err
    assert "ok=1" in shown and "failed=0" in shown and "pace" not in shown
