"""embtaskgen: brainstorm task descriptions for training text-embedding models.

The first step of the recipe in "Improving Text Embeddings with Large Language Models"
(Wang et al., 2024), as a typed, reproducible DSPy program. This module is the whole
public API: notebooks, benchmarks and programs import from here; the folders below
(``brainstorm``, ``lm``, ``runs``, ``tune``, ``quality``, ``cli``) are the house behind it.

Example:
    >>> from embtaskgen import CATEGORIES
    >>> CATEGORIES[0]
    'text-retrieval'
"""

from embtaskgen.brainstorm.call_result import CallResult
from embtaskgen.brainstorm.cleaning import TaskDeduper
from embtaskgen.brainstorm.generator import EmbeddingTaskGenerator, load_program
from embtaskgen.brainstorm.rows import GenerationRow, TaskRow, read_jsonl, to_dataset, to_jsonl
from embtaskgen.brainstorm.tuning_splits import HELDOUT_TOPICS, heldout_seeds
from embtaskgen.dedup.run import DedupResult, dedup_rows, near_duplicate_clusters
from embtaskgen.dedup.settings import DedupSettings
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
from embtaskgen.lm.adapters import adapter_for
from embtaskgen.lm.local.adapter import CompactListAdapter
from embtaskgen.lm.local.catalog import DEFAULT_MODEL, LOCAL_MODELS, load_local_lm
from embtaskgen.lm.resolve import resolve_lm
from embtaskgen.mining.negatives import mine_negatives
from embtaskgen.programs.files import apply_program as apply_example_program
from embtaskgen.programs.files import read_program, save_program
from embtaskgen.programs.files import save_program as save_example_program
from embtaskgen.quality.grading import EXAMPLE_METRIC_VERSION, score_example
from embtaskgen.quality.metric import METRIC_VERSION, on_category, score_tasks, task_metric
from embtaskgen.quality.novelty import copies_seed_task as copies_example
from embtaskgen.quality.report import diversity_report, format_report
from embtaskgen.quality.semantic import load_default_embedder
from embtaskgen.runs.runner import run, run_examples
from embtaskgen.runs.summary import RunSummary
from embtaskgen.seeds import derive_id
from embtaskgen.settings import DEFAULT_AVOID_ARCHIVE, DEFAULT_FEW_SHOT, DEFAULT_TOPICS, GenerationSettings
from embtaskgen.signatures import SIGNATURES
from embtaskgen.signatures.categories import CATEGORIES, CATEGORY_SUMMARIES, resolve_categories
from embtaskgen.text.normalise import normalise_task, strip_task
from embtaskgen.tune.evaluation import DEFAULT_EVAL_TOPICS, evaluate, evaluate_examples, format_comparison, format_table
from embtaskgen.tune.lm_calls import LMCallCounter
from embtaskgen.tune.optimize import DEFAULT_BUDGET, DEFAULT_OPTIMIZER, OPTIMIZERS, optimize, optimize_examples

__all__ = [
    "CATEGORIES",
    "CATEGORY_SUMMARIES",
    "DEFAULT_AVOID_ARCHIVE",
    "DEFAULT_BUDGET",
    "DEFAULT_EVAL_TOPICS",
    "DEFAULT_FEW_SHOT",
    "DEFAULT_MODEL",
    "DEFAULT_OPTIMIZER",
    "DEFAULT_TOPICS",
    "EXAMPLE_KINDS",
    "EXAMPLE_METRIC_VERSION",
    "HELDOUT_TOPICS",
    "LOCAL_MODELS",
    "METRIC_VERSION",
    "OPTIMIZERS",
    "SIGNATURES",
    "VALIDITY_REASONS",
    "CallResult",
    "CompactListAdapter",
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
    "LMCallCounter",
    "MissingDependency",
    "ProgramFileError",
    "ResumeError",
    "RetryPolicy",
    "RunAborted",
    "RunInterrupted",
    "RunSummary",
    "TaskDeduper",
    "TaskRow",
    "adapter_for",
    "apply_example_program",
    "copies_example",
    "dedup_rows",
    "derive_id",
    "diversity_report",
    "evaluate",
    "evaluate_examples",
    "format_comparison",
    "format_report",
    "format_table",
    "heldout_seeds",
    "load_default_embedder",
    "load_local_lm",
    "load_program",
    "mine_negatives",
    "near_duplicate_clusters",
    "normalise_task",
    "on_category",
    "optimize",
    "optimize_examples",
    "read_jsonl",
    "read_program",
    "resolve_categories",
    "resolve_lm",
    "run",
    "run_examples",
    "save_example_program",
    "save_program",
    "score_example",
    "score_tasks",
    "strip_task",
    "task_metric",
    "to_dataset",
    "to_jsonl",
    "to_sentence_transformers",
]

__version__ = "0.1.0"
