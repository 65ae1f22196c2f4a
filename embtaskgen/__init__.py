"""embtaskgen: brainstorm task descriptions for training text-embedding models.

The first step of the recipe in "Improving Text Embeddings with Large Language Models"
(Wang et al., 2024), as a typed, reproducible DSPy program.

Example:
    >>> from embtaskgen import CATEGORIES
    >>> CATEGORIES[0]
    'text-retrieval'
"""

from embtaskgen.brainstorm.categories import CATEGORIES, CATEGORY_SUMMARIES, resolve_categories
from embtaskgen.brainstorm.cleaning import TaskDeduper, normalise_task, strip_task
from embtaskgen.brainstorm.generator import CallResult, EmbeddingTaskGenerator
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.brainstorm.rows import GenerationRow, TaskRow, read_jsonl, to_dataset, to_jsonl
from embtaskgen.runs.runner import RetryPolicy, RunAborted, RunInterrupted, RunSummary, run
from embtaskgen.signatures import SIGNATURES

__all__ = [
    "CATEGORIES",
    "CATEGORY_SUMMARIES",
    "SIGNATURES",
    "CallResult",
    "EmbeddingTaskGenerator",
    "GenerationRow",
    "RetryPolicy",
    "RunAborted",
    "RunInterrupted",
    "RunSummary",
    "TaskDeduper",
    "TaskRow",
    "normalise_task",
    "read_jsonl",
    "resolve_categories",
    "resolve_lm",
    "run",
    "strip_task",
    "to_dataset",
    "to_jsonl",
]

__version__ = "0.1.0"
