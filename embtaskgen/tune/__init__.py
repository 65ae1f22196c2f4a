"""Prompt tuning: optimizers against the metric, held-out evaluation, the shipped program.

* ``optimize.py`` - ``optimize()``: tune the category prompts, one category at a time.
* ``optimizers.py`` - the optimizer plans (bootstrap, MIPROv2, GEPA) and how each is run.
* ``category_program.py`` - the ``dspy.Module`` an optimizer tunes: one category's
  predictor, called exactly as ``generate`` calls it.
* ``scoring.py`` - the tuning metric of one call (what it asked for, what it showed).
* ``demos.py`` - which demos a tuned program keeps.
* ``splits.py`` - training and held-out topics and seeds.
* ``evaluation.py`` - held-out scores per category; tables and comparisons.
* ``lm_calls.py`` - count the calls each LM made.
* ``program_files.py`` and ``programs/`` - the shipped tuned program and ``--program``.
* stage 2 (``optimize --stage examples``): ``example_optimize.py`` (``optimize_examples``),
  ``example_program.py`` (one kind's predictor, called as ``examples`` calls it),
  ``example_scoring.py`` (the metric of one call), ``example_splits.py`` (training and
  held-out tasks and seeds), ``example_evaluation.py`` and ``example_program_files.py``.
"""

__all__: list[str] = []
