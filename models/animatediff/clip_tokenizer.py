"""CLIP's byte-level BPE tokenizer, in plain Python, and the tokenizer.json the app reads.

Owns three things for the animatediff kind:
  * ClipBpe: CLIP's own tokenization (bytes_to_unicode, "</w>" on each word's last symbol, the
    pre-split regex 's|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+, lowercase and
    whitespace collapsed). golden.py writes its ids; the app's @huggingface/tokenizers must agree.
  * tokenizer_json(): the Hugging Face tokenizer.json for a vocab.json + merges.txt, with the same
    normalizer (NFC, \\s+ -> " ", Lowercase), pre-tokenizer (Split on that regex, inverted and
    "Removed", then ByteLevel without its own regex), ByteLevel decoder and RobertaProcessing
    post-processor that transformers' CLIPConverter gives openai/clip-vit-large-patch14.
  * make_tiny_vocab(): a small CLIP-layout vocabulary learnt from a few sentences, for the TEST FIXTURE.
Python's re has no \\p{L}; the pre-split is a small scanner over unicodedata categories instead, which
follows the regex's leftmost-alternative rule. CLIP's original also runs ftfy and html.unescape
first; neither is in the published tokenizer.json, so neither is here (the app could not match them).
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from functools import lru_cache

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")
SPLIT_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


@lru_cache(maxsize=1)
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable character map (whitespace and controls moved above 255)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = list(bs)
    extra = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def _kind(ch: str) -> str:
    if ch.isspace():
        return "s"
    return {"L": "L", "N": "N"}.get(unicodedata.category(ch)[0], "o")


def pre_split(text: str) -> list[str]:
    """The regex's matches, left to right; whatever matches nothing (whitespace) is dropped."""
    out, i, n = [], 0, len(text)
    while i < n:
        hit = next((c for c in CONTRACTIONS if text.startswith(c, i)), None)
        k = _kind(text[i])
        if hit:
            out.append(hit)
            i += len(hit)
        elif k == "s":
            i += 1
        elif k == "N":
            out.append(text[i])
            i += 1
        else:  # a run of letters, or a run of "other" (neither space, letter nor number)
            j = i + 1
            while j < n and _kind(text[j]) == k:
                j += 1
            out.append(text[i:j])
            i = j
    return out


def read_merges(path: str) -> list[tuple[str, str]]:
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = []
    for line in lines:
        if not line or line.startswith("#version"):
            continue
        a, b = line.split(" ")
        merges.append((a, b))
    return merges


class ClipBpe:
    def __init__(self, vocab: dict[str, int], merges: list[tuple[str, str]]):
        self.vocab = vocab
        self.ranks = {m: r for r, m in enumerate(merges)}
        self.byte_map = bytes_to_unicode()
        self._cache: dict[str, list[str]] = {}

    @classmethod
    def from_files(cls, vocab_path: str, merges_path: str) -> "ClipBpe":
        with open(vocab_path, encoding="utf-8") as f:
            return cls(json.load(f), read_merges(merges_path))

    def bpe(self, word: str) -> list[str]:
        if word in self._cache:
            return self._cache[word]
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), 1 << 62), k) for k, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 62:
                break
            first, second = next((a, b) for a, b in zip(parts, parts[1:]) if self.ranks.get((a, b)) == rank)
            merged, k = [], 0
            while k < len(parts):  # merge every occurrence of the best pair, left to right
                if k < len(parts) - 1 and parts[k] == first and parts[k + 1] == second:
                    merged.append(first + second)
                    k += 2
                else:
                    merged.append(parts[k])
                    k += 1
            parts = merged
        self._cache[word] = parts
        return parts

    def tokens(self, text: str) -> list[str]:
        out = []
        for piece in pre_split(normalize(text)):
            out.extend(self.bpe("".join(self.byte_map[b] for b in piece.encode("utf-8"))))
        return out

    def encode(self, text: str) -> list[int]:
        """ids(prompt) of the contract: no special tokens, no truncation."""
        return [self.vocab[t] for t in self.tokens(text)]

    def input_ids(self, text: str, max_length: int = 77) -> list[int]:
        """[bos] + ids[: max_length - 2] + [eos], padded with eos (SD 1.5's CLIP pads with <|endoftext|>)."""
        bos, eos = self.vocab[BOS], self.vocab[EOS]
        ids = [bos] + self.encode(text)[: max_length - 2] + [eos]
        return ids + [eos] * (max_length - len(ids))


def tokenizer_json(vocab: dict[str, int], merges: list[tuple[str, str]]) -> dict:
    """The Hugging Face tokenizer.json of CLIP's layout for this vocabulary."""
    def added(token: str, normalized: bool) -> dict:
        return {"id": vocab[token], "content": token, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": normalized, "special": True}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(BOS, True), added(EOS, False)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFC"},
            {"type": "Replace", "pattern": {"Regex": r"\s+"}, "content": " "},
            {"type": "Lowercase"},
        ]},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_REGEX}, "behavior": "Removed", "invert": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        ]},
        "post_processor": {"type": "RobertaProcessing", "sep": [EOS, vocab[EOS]], "cls": [BOS, vocab[BOS]],
                           "trim_offsets": False, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": EOS, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


def load_tokenizer_source(path: str) -> tuple[dict, ClipBpe]:
    """A folder with vocab.json + merges.txt, or a tokenizer.json (passed through): (tokenizer.json, ClipBpe)."""
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "vocab.json")):
        bpe = ClipBpe.from_files(os.path.join(path, "vocab.json"), os.path.join(path, "merges.txt"))
        return tokenizer_json(bpe.vocab, list(bpe.ranks)), bpe
    file = os.path.join(path, "tokenizer.json") if os.path.isdir(path) else path
    if not os.path.exists(file):
        raise FileNotFoundError(f"--tokenizer: {path} has neither vocab.json + merges.txt nor tokenizer.json")
    with open(file, encoding="utf-8") as f:
        spec = json.load(f)
    model = spec.get("model", {})
    if model.get("type") != "BPE" or model.get("end_of_word_suffix") != "</w>":
        raise ValueError(f"--tokenizer: {file}: model: expected a CLIP BPE model (type BPE, end_of_word_suffix </w>)")
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return spec, ClipBpe(model["vocab"], merges)


TINY_CORPUS = """a red ball bouncing on green grass
a cat walking on the beach at sunset
a dog running through a field of flowers
waves crashing on the rocks, cinematic lighting
a spaceship flying over a city at night
a woman smiling, portrait, high quality
a man riding a horse in the desert
fireworks exploding over the river
a small boat sailing on a calm lake
clouds moving over the mountains, time lapse
a bird flying in the blue sky
rain falling on a window, close up
a car driving on a road through the forest
snow falling on a quiet village
a fish swimming in a coral reef
the camera zooms in on a red flower
children playing in the park on a sunny day
a candle flame flickering in the dark
leaves blowing in the wind in autumn
a train passing through the countryside
an astronaut floating inside a space station, soft light
a panda eating bamboo in a misty jungle
golden wheat fields swaying under a stormy sky
a lighthouse on a cliff with crashing waves below
jellyfish glowing in deep dark water
a hummingbird drinking nectar from a purple blossom
steam rising from a cup of coffee on a wooden table
a butterfly landing on a yellow sunflower
neon signs reflecting on wet streets, cyberpunk
a waterfall pouring into a turquoise pool
an old man playing violin under a bridge
penguins waddling across the frozen ice
a hot air balloon drifting above the valley
lava flowing down a volcano at dusk
a squirrel gathering acorns beside an oak tree
paper lanterns rising into the night sky
a robot dancing in an empty warehouse
tulips blooming in a garden, macro shot
a kite soaring high above the sandy dunes
sparks flying from a blacksmith's hammer
a dolphin jumping out of the ocean
a bicycle parked next to a brick wall
autumn maple leaves floating on a pond
an owl blinking on a snowy branch
traffic moving through a busy intersection, aerial view
a chef tossing vegetables in a sizzling wok
northern lights dancing over a frozen lake
a sleepy kitten yawning on a blanket
thunder and lightning over a dark ocean
"""


def make_tiny_vocab(n_merges: int = 486, corpus: str = TINY_CORPUS) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A CLIP-layout vocabulary: 256 byte symbols, their </w> forms, n_merges learnt merges, BOS, EOS.

    Size 512 + n_merges + 2 (1000 by default: configs.py TINY_VOCAB_SIZE). Ties between equally frequent pairs go to the smaller
    pair, so the result is the same on every machine. A merge whose result is already a token is
    skipped (CLIP's layout has one vocabulary entry per merge)."""
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    known = set(vocab_list)
    byte_map = bytes_to_unicode()
    words = Counter()
    for line in corpus.strip().split("\n"):
        for piece in pre_split(normalize(line)):
            chars = [byte_map[b] for b in piece.encode("utf-8")]
            words[tuple(chars[:-1] + [chars[-1] + "</w>"])] += 1
    merges: list[tuple[str, str]] = []
    banned: set[tuple[str, str]] = set()
    while len(merges) < n_merges:
        pairs = Counter()
        for w, c in words.items():
            for p in zip(w, w[1:]):
                if p not in banned:
                    pairs[p] += c
        if not pairs:
            raise ValueError(f"make_tiny_vocab: the corpus supports only {len(merges)} merges, not {n_merges}")
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if best[0] + best[1] in known:
            banned.add(best)
            continue
        merges.append(best)
        known.add(best[0] + best[1])
        vocab_list.append(best[0] + best[1])
        new_words = Counter()
        for w, c in words.items():
            out, k = [], 0
            while k < len(w):
                if k < len(w) - 1 and (w[k], w[k + 1]) == best:
                    out.append(w[k] + w[k + 1])
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            new_words[tuple(out)] += c
        words = new_words
    vocab_list += [BOS, EOS]
    return {t: i for i, t in enumerate(vocab_list)}, merges


def write_vocab(folder: str, vocab: dict[str, int], merges: list[tuple[str, str]]) -> None:
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2 - TEST FIXTURE: a tiny CLIP-layout BPE made by make_tiny_vocab()\n")
        f.write("".join(f"{a} {b}\n" for a, b in merges))


# Prompts whose ids golden-ids.json records for tests/unit/clip-tokenizer.test.ts: case, runs of
# whitespace (tab, newline, no-break space), contractions, digits, NFC and NFD accents, CJK, emoji.
GOLDEN_PROMPTS = [
    "a red ball bouncing on green grass",
    "A RED Ball,  bouncing!!\n\ton green\u00a0grass.",
    "it's the cat's hat; they're here, we've won, I'm ok, you'll see, he'd go",
    "4k 1080p 3.14 x2",
    "caf\u00e9 cafe\u0301 na\u00efve \u00fcber stra\u00dfe",
    "\u6771\u4eac \u732b \U0001F431\U0001F525 <tag> $100 #1 @home",
    "  leading and trailing spaces  ",
    "Ünïcödé ÀÉÎ",
    "fireworks exploding over the river, cinematic lighting, time lapse",
    "don't''s 'S ''t",
]


def golden_ids(bpe: ClipBpe, prompts: list[str] = GOLDEN_PROMPTS) -> dict:
    return {"note": "TEST FIXTURE: ids from models/animatediff/clip_tokenizer.py ClipBpe on the tiny vocabulary",
            "cases": [{"prompt": p, "tokens": bpe.tokens(p), "ids": bpe.encode(p), "input_ids": bpe.input_ids(p)}
                      for p in prompts]}


if __name__ == "__main__":
    # Rewrites the TEST FIXTURE vocabulary and its golden ids:
    #   /usr/bin/python3 -m animatediff.clip_tokenizer tests/fixtures/animatediff-tiny/tokenizer   (from models/)
    import sys
    folder = sys.argv[1]
    write_vocab(folder, *make_tiny_vocab())
    with open(os.path.join(folder, "golden-ids.json"), "w", encoding="utf-8") as f:
        json.dump(golden_ids(ClipBpe.from_files(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))),
                  f, ensure_ascii=False, indent=1)


def make_synthetic_vocab(size: int = 49408) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A CLIP-layout vocabulary of exactly `size` tokens (49408 = CLIP ViT-L/14's) for a full-size
    random-weights TEST FIXTURE: the 512 byte symbols, then merges of two byte symbols (the second
    with and without </w>) in a fixed order, then BOS and EOS. Not a real vocabulary: it only has
    CLIP's layout and ids, so that a full-size text encoder's embedding table is covered."""
    symbols = list(bytes_to_unicode().values())
    vocab_list = symbols + [s + "</w>" for s in symbols]
    merges: list[tuple[str, str]] = []
    need = size - len(vocab_list) - 2
    for a in symbols:
        for b in symbols:
            for tail in (b + "</w>", b):
                if len(merges) < need:
                    merges.append((a, tail))
                    vocab_list.append(a + tail)
    if len(merges) < need:
        raise ValueError(f"make_synthetic_vocab: at most {len(vocab_list) + 2} tokens")
    vocab_list += [BOS, EOS]
    return {t: i for i, t in enumerate(vocab_list)}, merges
