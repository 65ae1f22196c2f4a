import pytest

from embtaskgen.signatures import SIGNATURES


@pytest.mark.parametrize("category", sorted(SIGNATURES))
def test_signature_fields(category):
    signature = SIGNATURES[category]
    assert list(signature.input_fields) == ["num_tasks", "topic", "avoid"]
    assert list(signature.output_fields) == ["tasks"]
    assert signature.output_fields["tasks"].annotation == list[str]
    assert signature.input_fields["num_tasks"].default == 20
    assert signature.input_fields["topic"].default == ""
    assert signature.input_fields["avoid"].default == []


@pytest.mark.parametrize("category", sorted(SIGNATURES))
def test_instruction_is_specific_to_the_category(category):
    instructions = SIGNATURES[category].instructions
    assert "embedding" in instructions
    others = [SIGNATURES[c].instructions for c in SIGNATURES if c != category]
    assert all(instructions != other for other in others)
    keyword = {
        "text-retrieval": "retrieval",
        "text-matching-short": "short",
        "text-matching-long": "long",
        "text-classification": "classification",
    }[category]
    assert keyword in instructions.lower().split("\n")[0]
