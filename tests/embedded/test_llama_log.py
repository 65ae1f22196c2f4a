"""llama.cpp's log lines go to ``logging`` (issue 15: the notebooks showed them on stderr)."""

from __future__ import annotations

import importlib.util
import logging

import pytest

from embtaskgen.embedded import llama_log
from embtaskgen.embedded.llama_log import LLAMA_LOGGER, route_llama_logs


def test_warnings_and_chatter_are_debug_errors_stay_errors(caplog):
    with caplog.at_level(logging.DEBUG, logger=LLAMA_LOGGER):
        llama_log._handle(3, b"llama_kv_cache_iswa: using full-size SWA cache (ref: ...)\n")
        llama_log._handle(2, b"llama_model_loader: loaded meta data\n")
        llama_log._handle(4, b"llama_model_load: error loading model\n")
        llama_log._handle(5, b"...continued\n")  # continues the error line
        llama_log._handle(1, b"\n")  # blank lines are dropped
    assert [(r.levelno, r.getMessage()[:18]) for r in caplog.records] == [
        (logging.DEBUG, "llama_kv_cache_isw"),
        (logging.DEBUG, "llama_model_loader"),
        (logging.ERROR, "llama_model_load: "),
        (logging.ERROR, "...continued"),
    ]


def test_nothing_reaches_stderr_at_the_default_level(capsys):
    llama_log._handle(3, b"llama_kv_cache_iswa: using full-size SWA cache\n")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="needs llama-cpp-python")
def test_routing_replaces_llama_cpp_pythons_printing_callback():
    import llama_cpp._logger

    route_llama_logs()
    route_llama_logs()  # idempotent
    assert llama_log._callback is not None and llama_log._callback is not llama_cpp._logger.llama_log_callback
