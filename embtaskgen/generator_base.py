"""GeneratorBase, what both stages' generators are: a DSPy module over its validated, frozen settings
(a :class:`~embtaskgen.settings.ModelSettings`) and the model they choose, resolved on first use (a
deep copy, as DSPy's optimizers make, shares it).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar

import dspy

from embtaskgen.errors import ConfigError
from embtaskgen.lm.resolve import lm_concurrency
from embtaskgen.settings import ModelSettings

if TYPE_CHECKING:
    from typing import Self  # Python 3.11

__all__ = ["GeneratorBase"]

#: The settings :meth:`ModelSettings.lazy_lm` resolves the model from.
_MODEL_FIELDS = ("lm", "api_base", "max_tokens", "no_repeat", "timeout", "max_response_bytes")


class GeneratorBase(dspy.Module):
    """A DSPy module over validated settings of its stage's ``_settings_type`` and the LM they choose.

    Raises:
        ConfigError: ``settings`` is not a ``_settings_type``.
    """

    _settings_type: ClassVar[type[ModelSettings]] = ModelSettings

    def __init__(self, settings: ModelSettings) -> None:
        super().__init__()
        self._settings = self._checked(settings)
        self._lm_holder = settings.lazy_lm()

    @classmethod
    def _checked(cls, settings: Any) -> ModelSettings:
        if not isinstance(settings, cls._settings_type):
            name = cls._settings_type.__name__
            article = "an" if name[0] in "AEIOU" else "a"
            raise ConfigError(f"settings must be {article} {name}, got {type(settings).__name__}")
        return settings

    settings = property(lambda self: self._settings, doc="The validated settings (frozen).")

    @property
    def lm(self) -> dspy.BaseLM:
        """The resolved LM (the embedded model loads on first use)."""
        return self._lm_holder.get()

    @property
    def model_name(self) -> str:
        """Name recorded in every row's ``model_name``."""
        return str(getattr(self.lm, "model", type(self.lm).__name__))

    def workers(self, calls: int) -> int:
        """Calls to keep in flight for ``calls`` planned calls (the settings' concurrency, capped by the LM)."""
        return max(1, min(lm_concurrency(self.lm, self.settings.concurrency), calls))

    def with_settings(self, settings: ModelSettings) -> Self:
        """A generator with other settings and the same (shared) predictors; the LM too unless the model changes.

        Example:
            >>> from embtaskgen import EmbeddingTaskGenerator
            >>> gen = EmbeddingTaskGenerator("text-retrieval", lm=dspy.LM("openai/m"))
            >>> more = gen.with_settings(gen.settings.replace(num_generations=5))
            >>> more.num_generations, more.text_retrieval is gen.text_retrieval, more.lm is gen.lm
            (5, True, True)
        """
        clone = copy.copy(self)
        clone._settings = self._checked(settings)
        if any(getattr(settings, name) is not getattr(self.settings, name) for name in _MODEL_FIELDS):
            clone._lm_holder = settings.lazy_lm()
        return clone
