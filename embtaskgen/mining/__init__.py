"""Mined hard negatives: for each example, a neighbouring positive of another example.

* ``negatives.py`` - how one negative is mined (:func:`~embtaskgen.mining.negatives.mine_pool`:
  top-k neighbours of the query among the other positives of its kind, positive-aware
  margin) and :func:`~embtaskgen.mining.negatives.mine_negatives` over example rows.
* ``examples_file.py`` - ``--mine-negatives``: negatives mined into the examples file of a
  finished run, atomically (:func:`~embtaskgen.mining.examples_file.mine_output`).

The command-line glue (option checks, the embedder loaded before the first call) is
``embtaskgen/cli/mining.py``.
"""

__all__: list[str] = []
