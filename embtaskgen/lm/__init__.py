"""Language models: a model spec becomes a ``dspy.LM`` and the adapter that formats its prompts.

* ``resolve.py`` - a model spec (``None``/``"local[:name|file.gguf]"``, a LiteLLM id with
  an optional ``api_base``, or a ``dspy.BaseLM``) to a ``dspy.BaseLM``; how many calls it
  takes at once; ``replicas.py`` - one served model behind several ``api_base`` URLs
  (round-robin by ``rollout_id``); ``adapter_choice.py`` - the adapter chosen by name.
* ``adapters.py`` - which adapter an LM gets, for a given category (the one decision).
* ``local/`` - the embedded models on llama.cpp: the catalog of model files from PyPI,
  the DSPy engine, its sampler and grammar, the compact list adapter.
"""

__all__: list[str] = []
