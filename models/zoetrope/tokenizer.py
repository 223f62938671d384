"""The closed-vocabulary word tokenizer, written as a Hugging Face `tokenizer.json` (WordLevel).

Python and the browser must split text identically, so Python re-implements the tiny subset of the
tokenizers pipeline the file declares (lowercase, then Whitespace pre-tokenizer `\\w+|[^\\w\\s]+`).
"""
from __future__ import annotations

import json
import re

PAD, UNK = "[PAD]", "[UNK]"
_SPLIT = re.compile(r"\w+|[^\w\s]+")


class WordTokenizer:
    def __init__(self, words: list[str], max_tokens: int):
        self.vocab = {PAD: 0, UNK: 1}
        for w in words:
            self.vocab.setdefault(w, len(self.vocab))
        self.max_tokens = max_tokens

    def split(self, text: str) -> list[str]:
        return _SPLIT.findall(text.lower())

    def encode(self, text: str) -> list[int]:
        ids = [self.vocab.get(w, 1) for w in self.split(text)][: self.max_tokens]
        return ids + [0] * (self.max_tokens - len(ids))

    def to_json(self) -> dict:
        return {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": [
                {"id": 0, "content": PAD, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True},
                {"id": 1, "content": UNK, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True}],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": None, "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": UNK},
        }

    def save(self, path: str) -> None:
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=1)
