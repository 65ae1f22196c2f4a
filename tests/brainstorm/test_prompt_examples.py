import dspy

from embtaskgen.brainstorm.prompt_examples import demo_tasks, gate_for, instruction_examples, prompt_examples
from embtaskgen.signatures.categories import CATEGORIES
from embtaskgen.signatures.examples import SEED_TASKS


def test_prompt_examples_are_the_seed_pool_and_the_instructions_example():
    for category in CATEGORIES:
        examples = prompt_examples(category)
        assert set(SEED_TASKS[category]) <= set(examples)
        assert len(examples) == len(SEED_TASKS[category]) + 1  # one quoted example per signature


def test_instruction_examples_fold_lines_and_skip_non_sentences():
    text = 'For example: "Given a legal brief\n    arguing one side, find briefs." Not "a label".'
    assert instruction_examples(text) == ["Given a legal brief arguing one side, find briefs."]
    assert instruction_examples("") == []


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
    shown = gate.examples("text-retrieval")
    assert "Given a shown demo of text-retrieval, find its twin." in shown
    assert "Given a tuned example, find its source." in shown
    assert gate.check("Given a shown demo of text-retrieval, find its twin.", "text-retrieval").reason == "prompt_copy"
    assert gate.examples("text-classification") == []  # only the categories asked for
    assert gate_for(template_limit=3).template_limit == 3
