"""Stage 1, the brainstorm: task descriptions per category, as a DSPy module.

* ``generator.py`` - :class:`EmbeddingTaskGenerator`: one ``dspy.Predict`` per category,
  one model call (``call``), a whole request (``forward``, through the run executor).
* ``call_result.py`` - what one call returned, before cleaning.
* ``levers.py`` - diversity levers (topics from ``embtaskgen.signatures.topics``, few-shot
  demos from ``embtaskgen.signatures.seed_tasks``), all drawn from the seed; ``archive.py``
  - the avoid archive of one run.
* ``cleaning.py`` - strip, validate and de-duplicate the items of a list;
  ``precision_gate.py`` - the checks a reader applies (its word lists in ``gate_words.py``);
  ``prompt_demos.py`` - the tasks a prompt shows (seed tasks, demos), for the gate.
* ``assembly.py`` - turn one call into rows (the one place rows are built).
* ``rows.py`` - the row models (distilabel's shapes) and JSONL / ``datasets`` I/O.
* ``tuning.py`` - what stage 1 hands ``embtaskgen.tune``: ``tuning_program.py`` (one
  category's predictor, called as ``generate`` calls it), ``tuning_metric.py``,
  ``tuning_splits.py`` (training and held-out topics and seeds), ``tuning_demos.py``.
* ``stage.py`` - :class:`~embtaskgen.brainstorm.stage.TaskStage`, stage 1 as the runner
  sees it (:class:`embtaskgen.stage.Stage`).
"""

__all__: list[str] = []
