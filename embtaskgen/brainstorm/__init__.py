"""Stage 1, the brainstorm: task descriptions per category, as a DSPy module.

``generator.py`` (:class:`EmbeddingTaskGenerator`) makes the calls; ``levers.py`` and
``archive.py`` shape their inputs; ``cleaning.py``, ``precision_gate.py`` and
``prompt_demos.py`` judge the tasks; ``assembly.py`` and ``rows.py`` make the rows;
``tuning*.py`` are what stage 1 hands ``embtaskgen.tune``; ``stage.py`` is stage 1 as the
runner sees it.
"""

__all__: list[str] = []
