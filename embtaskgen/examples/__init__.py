"""Stage 2: write training examples for the brainstormed tasks (a sibling of ``brainstorm/``).

One module per concept:

* ``kinds.py`` - the six example kinds (the four categories, ``sts``, ``bitext``), their
  predictor names, output columns, triplet columns and the paper's fixed instructions;
* ``settings.py`` - :class:`ExampleSettings`, validated once;
* ``attribute_draw.py`` - the prompt attributes of one example, from its own seeded RNG;
* ``task_input.py`` - tasks from a prediction, rows, a JSONL file, a dataset or pairs,
  each with a stable ``task_id``;
* ``call.py`` - one planned example and the raw outcome of its call;
* ``validity.py`` - the checks an example must pass, each with its reason;
* ``rows.py`` - the row model;
* ``assembly.py`` - outcomes to rows, failures and stats;
* ``generator.py`` - :class:`EmbeddingExampleGenerator`, the DSPy module;
* ``st_format.py`` - rows to sentence-transformers ``anchor``/``positive``/``negative``;
* ``stage.py`` - :class:`~embtaskgen.examples.stage.ExampleStage`, stage 2 as the runner
  sees it (:class:`embtaskgen.stage.Stage`); ``resume.py`` - its identity (the settings
  that must match on resume) and an earlier run's rows and journal read back.
* ``tuning.py`` - what stage 2 hands ``embtaskgen.tune``: ``tuning_program.py`` (one
  kind's predictor, called as ``examples`` calls it), ``tuning_metric.py``, ``tuning_splits.py``.

May import ``brainstorm/`` (the JSONL reader), ``execute/``, ``seeds.py``, ``lm/``,
``runs/`` (files, journal, resume: from ``stage.py`` and ``resume.py``) and the bottom;
nothing below imports it. The public names are re-exported from ``embtaskgen``.
"""

__all__: list[str] = []
