"""Prompt tuning for either stage: one optimizer and one held-out evaluation.

* ``optimize.py`` - ``optimize()``: tune a generator's prompts (stage 1: per category;
  stage 2: per example kind), one optimizer run per unit.
* ``evaluation.py`` - ``evaluate()``: held-out scores per unit; tables and comparisons.
* ``tuning.py`` - which stage's tuning a generator gets; each stage subclasses
  :class:`embtaskgen.stage_tuning.StageTuning` (``brainstorm/tuning.py``, ``examples/tuning.py``).
* ``optimizers.py`` - the optimizer plans (bootstrap, MIPROv2, GEPA) and how each is run.
* ``lm_calls.py`` - count the calls each LM made.

Program files (and the shipped program) are ``embtaskgen.programs``.
"""

__all__: list[str] = []
