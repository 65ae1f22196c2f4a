"""Stage 2: write training examples for the brainstormed tasks (a sibling of ``brainstorm/``).

One module per concept:

* ``kinds.py`` - the six example kinds (the four categories, ``sts``, ``bitext``), their
  predictor names, output columns, triplet columns and the paper's fixed instructions;
* ``settings.py`` - :class:`ExampleSettings`, validated once;
* ``attribute_draw.py`` - the prompt attributes of one example, from its own seeded RNG;
* ``task_input.py`` - tasks from a prediction, rows, a JSONL file, a dataset or pairs,
  each with a stable ``task_id``;
* ``example_call.py`` - one planned example and the raw outcome of its call;
* ``validity.py`` - the checks an example must pass, each with its reason;
* ``example_rows.py`` - the row model;
* ``example_assembly.py`` - outcomes to rows, failures and stats;
* ``example_generator.py`` - :class:`EmbeddingExampleGenerator`, the DSPy module;
* ``st_format.py`` - rows to sentence-transformers ``anchor``/``positive``/``negative``.

May import ``brainstorm/`` (the JSONL reader), ``execute/``, ``seeds.py``, ``lm/``
and the bottom; nothing below imports it. The public names are re-exported from
``embtaskgen``.
"""

__all__: list[str] = []
