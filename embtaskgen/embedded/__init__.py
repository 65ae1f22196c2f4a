"""The embedded default model: a DSPy engine over llama.cpp, and prompts a small model can follow.

``catalog`` holds the models and :func:`~embtaskgen.embedded.catalog.load_local_lm`;
``engine``, ``registry``, ``requests``, ``grammar``, ``sampler`` and ``repetition`` run a
GGUF file in-process; ``adapter``, ``list_format`` and ``object_adapter`` are the compact
prompts; ``inventory`` is what ``embtaskgen models`` lists; ``choice`` says whether a model
choice runs the embedded model. Nothing is imported here.
"""

__all__: list[str] = []
