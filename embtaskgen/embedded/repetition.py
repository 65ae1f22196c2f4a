"""A penalty on repeated phrases, applied to the embedded model's logits while it writes.

A very small model writes one item and then the same sentence with one word changed.
llama.cpp's DRY sampler lowers the logit of every token that would extend a sequence
already written in the answer, by ``multiplier * base ** (length - allowed_length)``;
breakers (the quote closing a JSON string, newlines) end a repeat. :class:`NoRepeatPenalty`
runs it beside the engine's sampler chain, lowering the logits in place before each token
and learning only the tokens kept. The prompt is not part of its history: penalising the
prompt's examples measured worse.

Example:
    >>> NoRepeat(multiplier=0.8).enabled, NoRepeat(multiplier=0.0).enabled
    (True, False)
"""

from __future__ import annotations

import contextlib
import ctypes
from dataclasses import dataclass
from typing import Any

from embtaskgen.errors import ConfigError

__all__ = ["DEFAULT_BREAKERS", "NoRepeat", "NoRepeatPenalty"]

#: Characters that end a repeat (llama.cpp's defaults for DRY).
DEFAULT_BREAKERS: tuple[str, ...] = ("\n", ":", '"', "*")


@dataclass(frozen=True)
class NoRepeat:
    """Settings of the repeated-phrase penalty: strength (0: off), growth, free length, breakers."""

    multiplier: float = 0.0
    base: float = 1.75
    allowed_length: int = 2
    breakers: tuple[str, ...] = DEFAULT_BREAKERS

    def __post_init__(self) -> None:
        if isinstance(self.multiplier, bool) or not isinstance(self.multiplier, (int, float)) or self.multiplier < 0:
            raise ConfigError(f"no-repeat multiplier must be a number >= 0 (0 turns it off), got {self.multiplier!r}")
        if isinstance(self.base, bool) or not isinstance(self.base, (int, float)) or self.base < 1:
            raise ConfigError(f"no-repeat base must be a number >= 1, got {self.base!r}")
        if isinstance(self.allowed_length, bool) or not isinstance(self.allowed_length, int) or self.allowed_length < 1:
            raise ConfigError(f"no-repeat allowed_length must be an int >= 1, got {self.allowed_length!r}")
        if not self.breakers or not all(isinstance(b, str) and b for b in self.breakers):
            raise ConfigError(f"no-repeat breakers must be non-empty strings, got {self.breakers!r}")

    @property
    def enabled(self) -> bool:
        """Whether the penalty does anything."""
        return self.multiplier > 0


class NoRepeatPenalty:
    """llama.cpp's DRY sampler over one generation, applied to the logits in place.

    ``vocab`` is ``Llama._model.vocab``; ``window`` how many latest tokens it looks back over.
    """

    def __init__(self, vocab: Any, n_vocab: int, settings: NoRepeat, window: int) -> None:
        from llama_cpp import llama_cpp as C

        if not settings.enabled:
            raise ConfigError("NoRepeatPenalty needs an enabled NoRepeat (multiplier > 0)")
        self._C = C
        breakers = (ctypes.c_char_p * len(settings.breakers))(*(b.encode("utf-8") for b in settings.breakers))
        self._sampler = C.llama_sampler_init_dry(
            vocab,
            float(settings.multiplier),
            float(settings.base),
            int(settings.allowed_length),
            max(1, int(window)),
            breakers,
            len(settings.breakers),
        )
        self.n_vocab = n_vocab
        self.history: list[int] = []
        self._seen: dict[int, None] = {}  # distinct tokens of the history, in order

    def penalize(self, ctx: Any, idx: int) -> int:
        """Lower in place the logits of row ``idx`` that would extend a repeat; how many changed.

        Only tokens already in the history can extend a repeat, so only they go through DRY.
        """
        if not self._seen:
            return 0
        import numpy as np

        C = self._C
        logits = np.ctypeslib.as_array(C.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        tokens = list(self._seen)
        data = (C.llama_token_data * len(tokens))()
        for slot, token in enumerate(tokens):
            data[slot].id, data[slot].logit, data[slot].p = token, float(logits[token]), 0.0
        candidates = C.llama_token_data_array(data=data, size=len(tokens), selected=-1, sorted=False)
        C.llama_sampler_apply(self._sampler, ctypes.byref(candidates))
        changed = 0
        for slot, token in enumerate(tokens):
            if data[slot].logit != logits[token]:
                logits[token] = data[slot].logit
                changed += 1
        return changed

    def accept(self, token: int) -> None:
        """Record a token the answer kept."""
        self._C.llama_sampler_accept(self._sampler, token)
        self.history.append(token)
        self._seen.setdefault(token, None)

    def reset(self) -> None:
        """Forget the history (a new generation)."""
        self._C.llama_sampler_reset(self._sampler)
        self.history.clear()
        self._seen.clear()

    def close(self) -> None:
        """Free the llama.cpp sampler."""
        if self._sampler is not None:
            self._C.llama_sampler_free(self._sampler)
            self._sampler = None

    def __del__(self) -> None:  # pragma: no cover - depends on garbage collection
        with contextlib.suppress(Exception):  # at interpreter exit llama_cpp may be gone
            self.close()
