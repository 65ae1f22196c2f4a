"""Language models: a model spec becomes a ``dspy.LM`` and the adapter that formats its prompts.

* ``resolve.py`` - a model spec (``None``/``"local[:name|file.gguf]"``, a LiteLLM id with
  an optional ``api_base``, or a ``dspy.BaseLM``) to a ``dspy.BaseLM``; how many calls it
  takes at once; ``replicas.py`` - one served model behind several ``api_base`` URLs
  (round-robin by ``rollout_id``); ``spec.py`` - which specs are embedded, and the
  settings only an embedded model has.
* ``adapters.py`` - which adapter an LM gets, for a category or an example kind (the one
  decision); ``adapter_choice.py`` - the adapter a user names; ``strict_adapters.py`` -
  served models' strict parsing (an answer is JSON, or a parse failure);
  ``prompt_memo.py`` - an adapter that remembers the messages it rendered.
* ``untrusted.py`` - text from a model or a server made storable, secrets kept out.
* The embedded models on llama.cpp live in :mod:`embtaskgen.embedded`.
"""

__all__: list[str] = []
