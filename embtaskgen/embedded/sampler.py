"""How the embedded model picks each token: a lazy grammar check and the repeated-phrase penalty.

Both need llama-cpp-python, imported only when called.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from embtaskgen.embedded.repetition import NoRepeat, NoRepeatPenalty
from embtaskgen.errors import MissingDependency, install_hint

__all__ = ["LazyGrammarSampler", "default_llama_factory", "lazy_grammar_llama_class"]


def default_llama_factory(model_path: str, **settings: Any) -> Any:
    """Load ``model_path`` as a :func:`lazy_grammar_llama_class` llama (quietly)."""
    try:
        from llama_cpp import Llama  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency(
            f"the embedded model needs llama-cpp-python; install it with {install_hint('local')}"
        ) from exc
    return lazy_grammar_llama_class()(model_path=model_path, verbose=False, **settings)


class LazyGrammarSampler:
    """Sample first without the grammar; check only the sampled token against it.

    Matching the grammar against all 262k tokens of Gemma 3 at every step took half of the
    generation time. As llama.cpp's ``common_sampler`` does, a rejected token is resampled:
    first among the ``top`` most likely tokens the grammar allows, else with the grammar
    over the whole vocabulary (``full``), so the output is exactly as constrained. A
    ``penalty`` lowers repeated phrases' logits first; without a grammar only ``fast`` runs.
    """

    def __init__(
        self, fast: Any, full: Any, grammar: Any, n_vocab: int, top: int = 64, penalty: NoRepeatPenalty | None = None
    ) -> None:
        self.fast = fast  # the chain without the grammar
        self.full = full  # the same chain with the grammar first (it owns ``grammar``); None without one
        self.grammar = grammar
        self.n_vocab = n_vocab
        self.top = max(1, min(top, n_vocab))
        self.penalty = penalty
        self.resampled = 0  # the sampled token broke the grammar: resampled from the top
        self.fell_back = 0  # no top token fits the grammar: sampled over the whole vocabulary

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """Pick the next token from the logits at ``idx`` of ``ctx``."""
        if self.penalty is not None:
            self.penalty.penalize(ctx, idx)
        token = self._sample(ctx, idx)
        if self.penalty is not None:
            self.penalty.accept(token)
        return token

    def _sample(self, ctx: Any, idx: int) -> int:
        import ctypes

        from llama_cpp import llama_cpp as C

        token = C.llama_sampler_sample(self.fast.sampler, ctx.ctx, idx)
        if self.grammar is None:
            return token
        one = (C.llama_token_data * 1)()
        one[0].id, one[0].logit, one[0].p = token, 0.0, 0.0
        candidates = C.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        if one[0].logit != float("-inf"):
            C.llama_sampler_accept(self.full.sampler, token)  # grammar (and penalties) advance
            return token
        self.resampled += 1
        token = self._sample_top(ctx, idx)
        if token is not None:
            C.llama_sampler_accept(self.full.sampler, token)
            return token
        return C.llama_sampler_sample(self.full.sampler, ctx.ctx, idx)

    def _sample_top(self, ctx: Any, idx: int) -> int | None:
        """Resample among the ``top`` most likely tokens the grammar allows, if any."""
        import ctypes

        import numpy as np
        from llama_cpp import llama_cpp as C

        logits = np.ctypeslib.as_array(C.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        top = np.argpartition(logits, -self.top)[-self.top :]
        data = (C.llama_token_data * len(top))()
        for slot, token in enumerate(top.tolist()):
            data[slot].id, data[slot].logit, data[slot].p = token, float(logits[token]), 0.0
        candidates = C.llama_token_data_array(data=data, size=len(top), selected=-1, sorted=False)
        C.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        if all(data[slot].logit == float("-inf") for slot in range(len(top))):
            self.fell_back += 1
            return None
        C.llama_sampler_apply(self.fast.sampler, ctypes.byref(candidates))  # top-k, min-p, temp, dist
        if not 0 <= candidates.selected < candidates.size:  # pragma: no cover - defensive
            return None
        return int(candidates.data[candidates.selected].id)

    def accept(self, token: int) -> None:
        """Tell every part that ``token`` was kept."""
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.accept(token)

    def reset(self) -> None:
        """Forget the generation so far (a new one starts)."""
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.reset()

    def close(self) -> None:
        """Free every part's llama.cpp sampler."""
        for part in (self.fast, self.full, self.penalty):
            if part is not None:
                part.close()


@lru_cache(maxsize=1)
def lazy_grammar_llama_class() -> type:
    """``llama_cpp.Llama`` with :class:`LazyGrammarSampler` when a grammar or a penalty is given."""
    from llama_cpp import Llama
    from llama_cpp import llama_cpp as C

    class LazyGrammarLlama(Llama):
        #: The penalty of the next generation, set by the engine while it holds the context's lock.
        no_repeat: NoRepeat | None = None

        def _init_sampler(self, *args: Any, **kwargs: Any) -> Any:
            grammar = kwargs.get("grammar")
            full = super()._init_sampler(*args, **kwargs)
            settings = self.no_repeat
            penalty = None
            if settings is not None and settings.enabled:
                penalty = NoRepeatPenalty(self._model.vocab, self.n_vocab(), settings, window=self.n_ctx())
            if grammar is None:
                return (
                    full if penalty is None else LazyGrammarSampler(full, None, None, self.n_vocab(), penalty=penalty)
                )
            found = None
            for index in range(C.llama_sampler_chain_n(full.sampler)):
                member = C.llama_sampler_chain_get(full.sampler, index)
                if C.llama_sampler_name(member) == b"grammar":
                    found = member
                    break
            if found is None:  # pragma: no cover - another llama-cpp-python layout
                if penalty is not None:
                    penalty.close()
                return full
            fast = super()._init_sampler(*args, **{**kwargs, "grammar": None})
            return LazyGrammarSampler(fast, full, found, n_vocab=self.n_vocab(), penalty=penalty)

    return LazyGrammarLlama
