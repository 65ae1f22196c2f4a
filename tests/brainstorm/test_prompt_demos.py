import dspy

from embtaskgen.brainstorm.prompt_demos import demo_tasks, gate_for, prompt_tasks, quoted_tasks
from embtaskgen.signatures.categories import CATEGORIES
from embtaskgen.signatures.seed_tasks import SEED_TASKS


def test_prompt_tasks_are_the_seed_tasks_and_the_instructions_quoted_task():
    for category in CATEGORIES:
        shown = prompt_tasks(category)
        assert set(SEED_TASKS[category]) <= set(shown)
        assert len(shown) == len(SEED_TASKS[category]) + 1  # one quoted task per signature


def test_quoted_tasks_fold_lines_and_skip_non_sentences():
    text = 'For example: "Given a legal brief\n    arguing one side, find briefs." Not "a label".'
    assert quoted_tasks(text) == ["Given a legal brief arguing one side, find briefs."]
    assert quoted_tasks("") == []


def test_demo_tasks_read_dicts_and_examples_and_skip_the_rest():
    demos = [{"tasks": ["A task.", 3]}, dspy.Example(tasks=["B task."]), {"other": 1}, None]
    assert demo_tasks(demos) == ["A task.", "B task."]


class _Predictor:
    def __init__(self, demos, instructions):
        self.demos = demos
        self.signature = type("Sig", (), {"instructions": instructions})


class _Generator:
    def predictor_for(self, category):
        return _Predictor(
            [{"tasks": [f"Given a shown demo of {category}, find its twin."]}],
            'Tuned: "Given a tuned example, find its source."',
        )


def test_the_gate_of_a_generator_knows_its_demos_and_instructions():
    gate = gate_for(_Generator(), categories=["text-retrieval"])
    shown = gate.shown("text-retrieval")
    assert "Given a shown demo of text-retrieval, find its twin." in shown
    assert "Given a tuned example, find its source." in shown
    assert gate.check("Given a shown demo of text-retrieval, find its twin.", "text-retrieval").reason == "prompt_copy"
    assert gate.shown("text-classification") == []  # only the categories asked for
    assert gate_for(template_limit=3).template_limit == 3
