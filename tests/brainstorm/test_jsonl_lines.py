"""The strict line reader under every reader of rows."""

import pytest

from embtaskgen.brainstorm.jsonl_lines import iter_jsonl
from embtaskgen.brainstorm.rows import read_jsonl
from embtaskgen.errors import ConfigError


def test_blank_lines_are_skipped_and_numbers_are_the_files(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"task": "a"}\n\n  \n{"task": "b"}\n', encoding="utf-8")
    assert list(iter_jsonl(path)) == [(1, {"task": "a"}), (4, {"task": "b"})]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "rows.jsonl:2: not valid JSON"),
        ("[1, 2]", "rows.jsonl:2: expected a JSON object, got list"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "rows.jsonl:2: nested too deeply"),
    ],
)
def test_a_bad_line_is_refused_with_file_and_line_not_a_traceback(tmp_path, line, message):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"task": "a"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_jsonl(path)
