"""embtaskgen: training data for text-embedding models, as typed, reproducible DSPy programs.

Stage 1 brainstorms task descriptions (:class:`EmbeddingTaskGenerator`), stage 2 writes
training examples for them (:class:`EmbeddingExampleGenerator`), after "Improving Text
Embeddings with Large Language Models" (Wang et al., 2024). This module is the whole public
API; the verbs (:func:`run`, :func:`optimize`, :func:`evaluate`, ...) take either stage.
Removed names stay importable one release with a ``DeprecationWarning`` (``docs/deprecated.md``).

Example:
    >>> from embtaskgen import CATEGORIES
    >>> CATEGORIES[0]
    'text-retrieval'
"""

from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator
from embtaskgen.brainstorm.rows import GenerationRow, TaskRow, read_jsonl, to_dataset, to_jsonl
from embtaskgen.checks.calibration import calibrate_checks
from embtaskgen.checks.registry import Checker
from embtaskgen.dedup.run import DedupResult, dedup_rows
from embtaskgen.dedup.settings import DedupSettings
from embtaskgen.deprecated import __dir__ as __dir__
from embtaskgen.deprecated import __getattr__ as __getattr__
from embtaskgen.embedded.catalog import DEFAULT_MODEL, LOCAL_MODELS, load_local_lm
from embtaskgen.errors import (
    ConfigError,
    EmbtaskgenError,
    MissingDependency,
    ProgramFileError,
    ResumeError,
    RunAborted,
    RunInterrupted,
)
from embtaskgen.examples.generator import EmbeddingExampleGenerator
from embtaskgen.examples.kinds import EXAMPLE_KINDS
from embtaskgen.examples.rows import ExampleRow
from embtaskgen.examples.settings import ExampleSettings
from embtaskgen.examples.st_format import to_sentence_transformers
from embtaskgen.examples.validity import VALIDITY_REASONS
from embtaskgen.execute.faults import RetryPolicy
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.loading import load_program
from embtaskgen.mining.negatives import mine_negatives
from embtaskgen.programs.files import read_program, save_program
from embtaskgen.publish.card import write_dataset_card
from embtaskgen.publish.hub import push_to_hub
from embtaskgen.quality.grading import score_example
from embtaskgen.quality.metric import METRIC_VERSION, score_tasks
from embtaskgen.quality.report import diversity_report, format_report
from embtaskgen.quality.semantic import load_default_embedder
from embtaskgen.runs.batch.mode import BatchMode
from embtaskgen.runs.runner import run
from embtaskgen.runs.summary import RunSummary
from embtaskgen.settings import GenerationSettings
from embtaskgen.signatures.categories import CATEGORIES, CATEGORY_SUMMARIES
from embtaskgen.tune.evaluation import evaluate
from embtaskgen.tune.optimize import OPTIMIZERS, optimize

__all__ = [
    "CATEGORIES",
    "CATEGORY_SUMMARIES",
    "DEFAULT_MODEL",
    "EXAMPLE_KINDS",
    "LOCAL_MODELS",
    "METRIC_VERSION",
    "OPTIMIZERS",
    "VALIDITY_REASONS",
    "BatchMode",
    "Checker",
    "ConfigError",
    "DedupResult",
    "DedupSettings",
    "EmbeddingExampleGenerator",
    "EmbeddingTaskGenerator",
    "EmbtaskgenError",
    "ExampleRow",
    "ExampleSettings",
    "GenerationRow",
    "GenerationSettings",
    "MissingDependency",
    "ProgramFileError",
    "ResumeError",
    "RetryPolicy",
    "RunAborted",
    "RunInterrupted",
    "RunSummary",
    "TaskRow",
    "calibrate_checks",
    "dedup_rows",
    "diversity_report",
    "evaluate",
    "format_report",
    "load_default_embedder",
    "load_local_lm",
    "load_program",
    "mine_negatives",
    "optimize",
    "push_to_hub",
    "read_jsonl",
    "read_program",
    "resolve_lm",
    "run",
    "save_program",
    "score_example",
    "score_tasks",
    "to_dataset",
    "to_jsonl",
    "to_sentence_transformers",
    "write_dataset_card",
]

__version__ = "0.1.0"
