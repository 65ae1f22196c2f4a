"""The runner's provider-batch backend (``run(..., batch=True)``, ``--batch``): render, submit, replay.

``backend`` (the session), ``calls`` (a call's ``custom_id``; the LM whose HTTP is a batch
file), ``requests`` (rendering), ``client`` (files and batches), ``record`` (the journal's
batch lines), ``results`` (reading answers), ``prompts`` (prompts formatted once),
``mode`` (:class:`~embtaskgen.runs.batch.mode.BatchMode`). See ``docs/runs/batch.md``.
"""

__all__: list[str] = []
