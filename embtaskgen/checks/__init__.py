"""Checks a reader agrees with: is a row (an example or a task) fit to train on?

Three levels, each a set of named checks whose reasons are counted like stage 2's
validity checks:

* ``form`` - the text alone: stage 2's validity checks (:mod:`embtaskgen.examples.validity`),
  near copies of the prompt's worked example (``copies.py``), the precision gate and the
  on-category rule for tasks;
* ``embed`` - consistency of the fields with a sentence embedder (all-MiniLM-L6-v2 of the
  ``semantic`` extra, or any callable): ``retrieval.py``, ``matching.py``,
  ``classification.py``, ``triplets.py``, and for tasks a linear scorer fitted on the
  hand-labelled tasks (``task_scorer.py``, ``tasks.py``);
* ``judge`` - a served model grading each row with a DSPy signature (``judge.py``).

``family.py`` is the protocol every family implements, ``similarity.py`` the embedding
cache they share, ``registry.py`` runs them on rows (:class:`~embtaskgen.checks.registry.Checker`),
``labelled.py`` measures them against the labelled sets, ``command_file.py`` is what
``embtaskgen check`` runs on a file.
"""

__all__: list[str] = []
