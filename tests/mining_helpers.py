"""Shared by the mined-negative tests: a toy embedder and a scripted example model."""

from __future__ import annotations

import hashlib
import re

import numpy as np
from scripted import prompt_text

__all__ = ["example_reply", "toy"]

FIELD = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n|\Z)", re.DOTALL)
WORD = re.compile(r"\w+")


def toy(texts):
    """A deterministic bag-of-words embedder (hashed into 4096 dimensions)."""
    out = np.zeros((len(texts), 4096))
    for i, text in enumerate(texts):
        for word in WORD.findall(text.lower()):
            out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 4096] += 1.0
    return out


def _answer(fields):
    return "".join(f"[[ ## {k} ## ]]\n{v}\n\n" for k, v in fields.items()) + "[[ ## completed ## ]]"


def example_reply(request):
    """Distinct sts triplets, or retrieval/matching documents as long as ``num_words`` asks."""
    text = prompt_text(request)
    tag = hashlib.sha256(text.encode()).hexdigest()[:8]
    if "[[ ## S1 ## ]]" in text:
        return _answer({"S1": f"first {tag}", "S2": f"second {tag}", "S3": f"third {tag}"})
    n = int(dict(FIELD.findall(request.messages[-1].text or "")).get("num_words", "50"))
    if "[[ ## input ## ]]" in text:  # the matching kinds
        return _answer({"input": f"input {tag}", "positive_document": f"{tag} " + " ".join(f"m{i}" for i in range(n))})
    return _answer(
        {
            "user_query": f"query {tag}",
            "positive_document": f"{tag} " + " ".join(f"g{i}" for i in range(n)),
            "hard_negative_document": f"{tag} " + " ".join(f"b{i}" for i in range(n)),
        }
    )
