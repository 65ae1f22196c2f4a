"""The one strict line reader under every reader of JSONL."""

import json

import pytest

from embtaskgen.brainstorm.rows import read_jsonl
from embtaskgen.errors import ConfigError
from embtaskgen.io import jsonl
from embtaskgen.io.jsonl import iter_jsonl


def test_blank_lines_are_skipped_and_numbers_are_the_files(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"task": "a"}\n\n  \n{"task": "b"}\n', encoding="utf-8")
    assert list(iter_jsonl(path)) == [(1, {"task": "a"}), (4, {"task": "b"})]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "rows.jsonl:2: not valid JSON"),
        ("[1, 2]", "rows.jsonl:2: expected a JSON object, got list"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "rows.jsonl:2: nested deeper than 64 levels"),
    ],
)
def test_a_bad_line_is_refused_with_file_and_line_not_a_traceback(tmp_path, line, message):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"task": "a"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_jsonl(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 64 levels"),
        (b'{"tasks": ' + b"[" * 70 + b"]" * 70 + b"}", "nested deeper than 64 levels"),
        (b'{"tasks": ["caf\xe9"]}', "not UTF-8 text (byte 0xe9 at byte 16 of the line)"),
        (b'["a list"]', "expected a JSON object, got list"),
        (b'"a string"', "expected a JSON object, got str"),
        (b"{not json", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        (b'{"n": ' + b"1" * 5000 + b"}", "not valid JSON"),
        (b'{"task": "cut sh', "not valid JSON"),  # a last line cut short, without its newline
    ],
)
def test_every_kind_of_bad_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"tasks": []}\n\n' + line + (b"" if b"cut" in line else b"\n"))
    rows = iter_jsonl(path)
    assert next(rows) == (1, {"tasks": []})
    with pytest.raises(ConfigError) as info:
        next(rows)
    assert str(info.value).startswith(f"{path}:3: ")
    assert message in str(info.value)


def test_a_line_longer_than_the_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "MAX_LINE_BYTES", 100)
    path = tmp_path / "long.jsonl"
    right_at_the_limit = json.dumps({"task": "x" * 88})
    assert len(right_at_the_limit) == 100
    path.write_text(right_at_the_limit + "\n" + json.dumps({"task": "x" * 200}) + "\n")
    with pytest.raises(ConfigError, match="long.jsonl:2: line longer than"):
        list(iter_jsonl(path))
    path.write_text(right_at_the_limit + "\n")
    assert len(list(iter_jsonl(path))) == 1


def test_a_byte_order_mark_crlf_and_deep_but_allowed_nesting_are_read(tmp_path):
    path = tmp_path / "bom.jsonl"
    row = {"task": "x", "metadata": {"x": [[[["deep"]]]]}}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(row).encode() + b"\r\n" + b'{"task": "y"}')
    assert list(iter_jsonl(path)) == [(1, row), (2, {"task": "y"})]


def test_a_file_that_cannot_be_opened_is_named(tmp_path):
    with pytest.raises(ConfigError, match="missing.jsonl: cannot read the file"):
        list(iter_jsonl(tmp_path / "missing.jsonl"))
