"""Runs: a large run streamed to JSONL, resumable, accounted.

``runner.py`` (:func:`embtaskgen.run`) puts the parts together over the executor
(``embtaskgen.execute``), one concept per module: ``files`` (output and sidecar paths,
whole-line appends), ``journal`` (the progress sidecar and the run identity), ``resume``
(reading an earlier run back), ``recorder`` (writing and counting outcomes),
``binding`` (per-run LM copy and settings), ``progressbar``, ``summary``,
``summary_file`` (the summary written or kept, the secrets redacted; every runner) and
``session`` (one session's loop over the scheduler, shared by both stages).

Stage 2 (:func:`embtaskgen.runs.example_runner.run_examples`) plans examples instead
of generations and has its own identity and resume (``example_resume``) and recorder
(``example_recorder``), and its summary (``example_summary``); everything else is the same machinery.

On Ray (``executor="ray"``): ``ray_run`` and ``ray_example_run`` (the two runs),
``ray_executor`` (the Ray session, the Dataset of planned calls, outcomes recorded on the
driver), ``ray_callers`` (what each actor builds from the model spec) and
``shard_output`` (the output folder of shards, committed a batch at a time).

The folder is ``runs`` and not ``run`` so that it never shadows the function
``embtaskgen.run``.
"""

__all__: list[str] = []
