"""umT5's tokenizer side: a SentencePiece-Unigram encoder that gives the ids Hugging Face tokenizers'
Unigram model gives, the tokenizer.json it reads, and the TEST FIXTURE's tiny vocabulary.

Owns:
  - `clean(text)`: Wan's clean='whitespace' without ftfy / html.unescape (wan/modules/tokenizers.py
    whitespace_clean: every run of whitespace becomes one space, then strip). The contract's prompt
    handling; ftfy and html.unescape are not reproduced (see CONTRACT.md).
  - `Unigram.encode(text)`: the Metaspace pre-tokenizer (replacement "▁", prepend_scheme "always",
    split true: " " -> "▁", "▁" prepended unless already there, split before every "▁"), then per
    piece the best segmentation by total score (Viterbi), as tokenizers' Unigram::encode_optimized:
      * a character no single-character piece covers becomes <unk> with score min(score) − 10
        (K_UNK_PENALTY), and consecutive <unk>s of one piece fuse into one id (fuse_unk, on by default);
      * of two paths with the same score, the one whose last piece starts earliest wins (candidates are
        visited by start position and only a strictly better score replaces the best).
    No normalizer: the fixture's tokenizer.json has none. umt5-xxl's own tokenizer.json has a
    Precompiled (SentencePiece nmt_nfkc charsmap) normalizer, which this file does not implement;
    the real file's ids are only as right as the engine's Precompiled normalizer (not tested here).
  - `input_ids(text, max_length)`: ids[: max_length − 1] + [eos], padded with pad (0) to max_length,
    and the attention mask (HF's T5 tokenizer with add_special_tokens, truncation, max_length padding).
  - `tokenizer_json(...)` / `load_tokenizer_json(path)`: the HF file layout (model type Unigram,
    vocab [[piece, score], …], unk_id; added tokens <pad>, </s>, <unk> as special; TemplateProcessing
    appending </s> as T5's file does).
  - `make_tiny_vocab()`: the fixture's tiny vocabulary, from the animatediff fixture's prompt corpus: fewer
    pieces than configs.TINY_VOCAB_SIZE table rows, as umt5-xxl has fewer pieces (256,300 as we recall
    it; not checked here) than its 256384 table rows.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

SPACE = "\u2581"
K_UNK_PENALTY = 10.0
PAD, EOS, UNK = "<pad>", "</s>", "<unk>"


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def metaspace_split(text: str) -> List[str]:
    s = text.replace(" ", SPACE)
    if not s.startswith(SPACE):
        s = SPACE + s
    out, start = [], 0
    for i in range(1, len(s)):
        if s[i] == SPACE:          # MergedWithNext: the delimiter begins the next piece
            out.append(s[start:i])
            start = i
    out.append(s[start:])
    return [p for p in out if p]


class Unigram:
    def __init__(self, vocab: Sequence[Tuple[str, float]], unk_id: int = 2, pad_id: int = 0, eos_id: int = 1):
        self.pieces = [p for p, _ in vocab]
        self.scores = [float(s) for _, s in vocab]
        self.ids: Dict[str, int] = {}
        for i, p in enumerate(self.pieces):
            self.ids.setdefault(p, i)
        self.unk_id, self.pad_id, self.eos_id = unk_id, pad_id, eos_id
        self.unk_score = min(self.scores) - K_UNK_PENALTY
        self.max_len = max(len(p) for p in self.pieces)

    def _viterbi(self, s: str) -> List[Tuple[str, int]]:
        n = len(s)
        best: List[Optional[Tuple[float, int, int]]] = [None] * (n + 1)   # (score, start, id) of the path ending here
        best[0] = (0.0, -1, -1)
        for start in range(n):
            if best[start] is None:
                continue
            base = best[start][0]
            single = False
            for end in range(start + 1, min(n, start + self.max_len) + 1):
                tid = self.ids.get(s[start:end])
                if tid is None:
                    continue
                cand = base + self.scores[tid]
                if best[end] is None or cand > best[end][0]:
                    best[end] = (cand, start, tid)
                if end == start + 1:
                    single = True
            if not single:
                cand = base + self.unk_score
                if best[start + 1] is None or cand > best[start + 1][0]:
                    best[start + 1] = (cand, start, self.unk_id)
        out: List[Tuple[str, int]] = []
        end = n
        while end > 0:
            _, start, tid = best[end]
            out.append((s[start:end], tid))
            end = start
        out.reverse()
        fused: List[Tuple[str, int]] = []
        for piece, tid in out:
            if tid == self.unk_id and fused and fused[-1][1] == self.unk_id:
                fused[-1] = (fused[-1][0] + piece, tid)
            else:
                fused.append((piece, tid))
        return fused

    def tokens(self, text: str) -> List[str]:
        return [p for word in metaspace_split(text) for p, _ in self._viterbi(word)]

    def encode(self, text: str) -> List[int]:
        """The tokenizer.json's encoding without special tokens (text as given: clean() it first)."""
        return [t for word in metaspace_split(text) for _, t in self._viterbi(word)]

    def input_ids(self, prompt: str, max_length: int) -> Tuple[List[int], List[int]]:
        ids = self.encode(clean(prompt))[: max_length - 1] + [self.eos_id]
        mask = [1] * len(ids) + [0] * (max_length - len(ids))
        return ids + [self.pad_id] * (max_length - len(ids)), mask


def tokenizer_json(vocab: Sequence[Tuple[str, float]], unk_id: int = 2) -> dict:
    def added(i: int) -> dict:
        return {"id": i, "content": vocab[i][0], "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}
    meta = {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True}
    eos = {"SpecialToken": {"id": EOS, "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [added(0), added(1), added(2)],
        "normalizer": None,
        "pre_tokenizer": meta,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"Sequence": {"id": "A", "type_id": 0}}, eos],
                           "pair": [{"Sequence": {"id": "A", "type_id": 0}}, eos, {"Sequence": {"id": "B", "type_id": 0}}, eos],
                           "special_tokens": {EOS: {"id": EOS, "ids": [1], "tokens": [EOS]}}},
        "decoder": dict(meta),
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": [[p, float(s)] for p, s in vocab], "byte_fallback": False},
    }


def load_tokenizer_json(path: str) -> Tuple[dict, Unigram]:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    model = spec.get("model") or {}
    if model.get("type") != "Unigram" or not isinstance(model.get("vocab"), list):
        raise ValueError(f"{path}: not a Unigram tokenizer.json (model.type {model.get('type')!r})")
    vocab = [(p, s) for p, s in model["vocab"]]
    for want, i in ((PAD, 0), (EOS, 1), (UNK, 2)):
        if vocab[i][0] != want:
            raise ValueError(f"{path}: piece {i} is {vocab[i][0]!r}, umT5's layout has {want!r} there")
    return spec, Unigram(vocab, unk_id=int(model.get("unk_id", 2)))


MAX_TINY_WORDS = 240
CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-:;"
AFFIXES = ("ing", "ed", "er", "ly", "es", "ow", "ight", "un", "re", "in", "on", "an", "ar", "ro", "st")


def make_tiny_vocab(max_words: int = MAX_TINY_WORDS) -> List[Tuple[str, float]]:
    """<pad>, </s>, <unk> (score 0, as T5's file has them), "▁", the corpus's most frequent words as
    "▁word" (log frequency), some affixes, then single characters (lowest). A small irregular offset
    per piece keeps different segmentations from tying. "▁" only ever starts a piece, as SentencePiece's
    split_by_whitespace makes it."""
    from animatediff.clip_tokenizer import TINY_CORPUS
    words = Counter(w for w in re.findall(r"[a-z']+", TINY_CORPUS.lower()))
    total = sum(words.values())
    vocab: List[Tuple[str, float]] = [(PAD, 0.0), (EOS, 0.0), (UNK, 0.0), (SPACE, -3.0)]
    for k, (w, c) in enumerate(sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:max_words]):
        vocab.append((SPACE + w, round(math.log(c / total) - 0.0137 * (k % 7), 6)))
    for k, a in enumerate(AFFIXES):
        vocab.append((a, round(-7.0 - 0.0311 * k, 6)))
    for k, ch in enumerate(CHARS):
        vocab.append((ch, round(-9.0 - 0.0173 * k, 6)))
    if len({p for p, _ in vocab}) != len(vocab):
        raise AssertionError("tiny vocabulary: a piece twice")
    return vocab


GOLDEN_PROMPTS = [
    "a red ball bouncing on green grass",
    "A RED Ball,  bouncing!!\n\ton green\u00a0grass.",
    "fireworks exploding over the river, cinematic lighting, time lapse",
    "  leading and trailing spaces  ",
    "unknownwords flickered glowingly",
    "4k 1080p 3.14 x2",
    "caf\u00e9 na\u00efve \u00fcber stra\u00dfe",
    "\u6771\u4eac \u732b \U0001F431\U0001F525 <tag> $100 #1 @home",
    "it's the cat's hat; they're here",
    "a " * 40 + "end",
]


def golden_ids(tok: Unigram, max_length: int, prompts: Sequence[str] = GOLDEN_PROMPTS) -> dict:
    cases = []
    for p in prompts:
        ids, mask = tok.input_ids(p, max_length)
        cases.append({"prompt": p, "cleaned": clean(p), "tokens": tok.tokens(clean(p)), "ids": tok.encode(clean(p)),
                      "input_ids": ids, "attention_mask": mask})
    return {"note": "TEST FIXTURE: ids from models/wan/unigram.py on the tiny vocabulary (tokenizer.json beside "
                    "this file); input_ids = ids[: maxLength - 1] + [eos], padded with pad", "maxLength": max_length,
            "cases": cases}
