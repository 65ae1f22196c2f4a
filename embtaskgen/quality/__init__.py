"""Quality, measured without a model: the metric, the diversity report, near-duplicates.

* ``metric.py`` - the face: ``score_tasks``, ``on_category``, ``task_metric``.
* ``score.py`` (the score and its parts), ``conformance.py`` and ``lexicon.py`` (is a
  task on its category), ``form.py`` and ``garbage.py`` (form and markup problems),
  ``novelty.py`` (copies of the prompt's seed tasks), ``validation.py`` (argument checks).
* ``text.py`` (task features), ``similarity.py`` (the near-duplicate rule), ``dedup.py``
  (finding near-duplicates: exact prefix filtering, or ``minhash.py``'s sketch for a
  whole file), ``corpus.py`` (distinct-n, compression), ``semantic.py`` (embedding
  figures, optional).
* stage 2: ``grading.py`` (``score_example``, the metric for examples); mined
  hard negatives live in ``embtaskgen.mining``.
* ``report.py`` - ``embtaskgen report``: the diversity report of a JSONL file, read and
  checked line by line by ``embtaskgen.io`` (``source.py`` is its old name, kept until
  ``dedup_input.py`` imports it there).
* ``lsh_dedup.py`` - ``embtaskgen dedup``: near-duplicate removal across a dataset
  with MinHash LSH (settings in ``dedup_settings.py``), over ``shingling.py``, ``minhash_engines.py`` (rensa, datasketch),
  ``lsh_index.py`` (the streaming keep-first index), ``dedup_input.py``,
  ``dedup_report.py`` and ``ray_minhash.py`` (the Ray Data step).
"""

__all__: list[str] = []
