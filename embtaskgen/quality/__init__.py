"""Quality, measured without a model: the metric, the diversity report, near-duplicates.

* ``metric.py`` - the face: ``score_tasks``, ``on_category``, ``task_metric``.
* ``score.py`` (the score and its parts), ``conformance.py`` and ``lexicon.py`` (is a
  task on its category), ``form.py`` and ``garbage.py`` (form and markup problems),
  ``novelty.py`` (copies of the prompt's seed tasks), ``validation.py`` (argument checks).
* ``text.py`` (task features), ``similarity.py`` (the near-duplicate rule; the search
  is :mod:`embtaskgen.dedup.near_duplicates`), ``corpus.py`` (distinct-n,
  compression), ``semantic.py`` (embedding figures, optional).
* stage 2: ``grading.py`` (``score_example``, the metric for examples); mined
  hard negatives live in :mod:`embtaskgen.mining`.
* ``report.py`` - ``embtaskgen report``: the diversity report of a JSONL file, read and
  checked line by line by :mod:`embtaskgen.io`.
* ``embtaskgen dedup`` (near-duplicate removal across a dataset) lives in
  :mod:`embtaskgen.dedup`.
"""

__all__: list[str] = []
