"""The embedded default model: a DSPy 3.4 engine over llama.cpp, and a prompt it can follow.

Nothing is imported here; import from the module that holds the name (or from
:mod:`embtaskgen`, which exports ``load_local_lm``, ``LOCAL_MODELS``, ``DEFAULT_MODEL``,
``CompactListAdapter`` and ``adapter_for``):

- ``catalog``: the embedded models (``smollm2``, ``gemma-3-270m``) and GGUF paths;
  :func:`~embtaskgen.embedded.catalog.load_local_lm` builds a ``dspy.LM`` over one
  (nothing loads until the first call), with ``LOCAL_MODELS``, ``DEFAULT_MODEL``,
  ``LocalModel``, ``resolve_model_path``, ``is_local_lm`` and ``adapter_options_for``
  (the adapter settings each model was tuned with).
- ``engine``: ``LlamaCppEngine`` and ``AsyncLlamaCppEngine``, the DSPy engines that run
  one generation at a time on a shared llama.cpp context.
- ``registry``: the process-wide registry of loaded contexts (one per model file),
  ``usable_cpus`` and ``model_fingerprint``.
- ``requests``: a ``dspy.lm15.Request`` as chat messages or a plain prompt, refusal of
  unsupported options, the ``Response``, and llama.cpp errors as lm15 errors.
- ``grammar``: a request's JSON schema as a llama.cpp grammar.
- ``sampler``: the lazy grammar sampler and ``llama_cpp.Llama`` built with it.
- ``repetition``: the repeated-phrase penalty (llama.cpp's DRY sampler).
- ``adapter``: ``CompactListAdapter``, the short prompt a small model can follow; it is
  told the category of each call. The library picks it through
  :func:`embtaskgen.lm.adapters.adapter_for`.
- ``list_format``: that prompt's text: request sentences, layout, answer parsing and the
  item regex.
- ``object_adapter``: ``CompactObjectAdapter``, the compact prompt with which a small
  model writes one training example (stage 2).
- ``inventory``: what ``embtaskgen models`` lists; ``llama_log``: llama.cpp's log lines
  routed to ``logging``.

Example:
    >>> import dspy
    >>> from embtaskgen.lm.adapters import adapter_for
    >>> from embtaskgen import load_local_lm
    >>> from embtaskgen.signatures import SIGNATURES
    >>> lm = load_local_lm("smollm2")  # doctest: +SKIP
    >>> with dspy.context(lm=lm, adapter=adapter_for(lm, "text-retrieval")):  # doctest: +SKIP
    ...     tasks = dspy.Predict(SIGNATURES["text-retrieval"])(num_tasks=8).tasks
"""

__all__: list[str] = []
