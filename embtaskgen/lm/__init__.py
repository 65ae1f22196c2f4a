"""Language models: a model spec becomes a ``dspy.LM``, and the adapter that formats its prompts.

``resolve`` (specs, endpoints, concurrency), ``replicas``, ``spec``; ``adapters`` (which
adapter a call gets), ``adapter_choice``, ``strict_adapters``, ``prompt_memo``;
``untrusted`` (model text made storable, secrets kept out). The embedded models live in
:mod:`embtaskgen.embedded`.
"""

__all__: list[str] = []
