"""A scripted judge for the loopback server: drop a row with a sentiment label, keep the rest."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["judge_reply"]


def judge_reply(body: dict[str, Any]) -> tuple[int, str]:
    """A ChatAdapter answer of RowJudgement whose verdict depends on the prompt."""
    prompt = json.dumps(body["messages"])
    verdict, reason = ("drop", "off-task") if "label: negative" in prompt else ("keep", "fit")
    return 200, f"[[ ## verdict ## ]]\n{verdict}\n\n[[ ## reason ## ]]\n{reason}\n\n[[ ## completed ## ]]"
