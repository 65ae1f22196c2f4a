"""Stage 1, the brainstorm: task descriptions per category, as a DSPy module.

* ``generator.py`` - :class:`EmbeddingTaskGenerator`: one ``dspy.Predict`` per category,
  one model call (``call``), a whole request (``forward``, through the run executor).
* ``call_result.py`` - what one call returned, before cleaning.
* ``categories.py`` - the four category names, their summaries and predictor names.
* ``levers.py`` and ``topic_pool.py`` - diversity levers (topics, few-shot demos drawn
  from ``embtaskgen.signatures.examples``, the avoid archive), all drawn from the seed.
* ``cleaning.py`` - strip, validate and de-duplicate the items of a list.
* ``assembly.py`` - turn one call into rows (the one place rows are built).
* ``rows.py`` - the row models (distilabel's shapes) and JSONL / ``datasets`` I/O.
* ``program_state.py`` - program files: the prompts as JSON, saved and loaded.
"""

__all__: list[str] = []
