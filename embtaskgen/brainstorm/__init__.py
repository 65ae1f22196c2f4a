"""Stage 1, the brainstorm: task descriptions per category, as a DSPy module.

* ``generator.py`` - :class:`EmbeddingTaskGenerator`: one ``dspy.Predict`` per category,
  one model call (``call``), a whole request (``forward``, through the run executor).
* ``call_result.py`` - what one call returned, before cleaning.
* ``levers.py`` - diversity levers (topics from ``embtaskgen.signatures.topics``, few-shot
  demos from ``embtaskgen.signatures.examples``), all drawn from the seed; ``archive.py``
  - the avoid archive of one run.
* ``cleaning.py`` - strip, validate and de-duplicate the items of a list.
* ``assembly.py`` - turn one call into rows (the one place rows are built).
* ``rows.py`` - the row models (distilabel's shapes) and JSONL / ``datasets`` I/O.
* ``shards.py`` - moved to ``embtaskgen.io.shards``; kept until ``quality/dedup_input.py`` imports it there.
* ``program_state.py`` - program files: the prompts as JSON, saved and loaded;
  ``program_json.py`` - a program file's JSON read as data (both stages).
"""

__all__: list[str] = []
