"""Quality, measured without a model: the metric, the diversity report, near-duplicates.

* ``metric.py`` - the face: ``score_tasks``, ``on_category``, ``task_metric``.
* ``score.py`` (the score and its parts), ``conformance.py`` and ``lexicon.py`` (is a
  task on its category), ``form.py`` and ``garbage.py`` (form and markup problems),
  ``novelty.py`` (copies of the prompt's examples), ``validation.py`` (argument checks).
* ``text.py`` (task features), ``similarity.py`` (the near-duplicate rule), ``dedup.py``
  (finding near-duplicates: exact prefix filtering, or ``minhash.py``'s sketch for a
  whole file), ``corpus.py`` (distinct-n, compression), ``semantic.py`` (embedding
  figures, optional).
* ``report.py`` - ``embtaskgen report``: the diversity report of a JSONL file, read and
  checked line by line by ``source.py``.
"""

__all__: list[str] = []
