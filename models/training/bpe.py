"""Byte-level BPE: trainer, encoder/decoder, and the Hugging Face tokenizer.json writer.

The pre-tokenizer reproduces, character class for character class, the GPT-2 regex that
transformers.js's ByteLevel pre-tokenizer uses (`/'s|'t|...|\\s+(?!\\S)|\\s+/gu`), so ids
computed here equal the ids the Node side computes (checked by models/training/verify_node.mjs).
"""
from __future__ import annotations

import heapq
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict

SPECIAL_TOKENS = ["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<pad>"]
EOT, FIM_PREFIX, FIM_MIDDLE, FIM_SUFFIX, PAD = range(len(SPECIAL_TOKENS))

# JavaScript's \s (ECMAScript WhiteSpace + LineTerminator), which differs from Python's.
_JS_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _category_class(prefix: str) -> str:
    """A regex character class body for every code point whose category starts with prefix."""
    ranges: list[tuple[int, int]] = []
    start = prev = None
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if start is None:
                start = prev = cp
            elif cp == prev + 1:
                prev = cp
            else:
                ranges.append((start, prev))
                start = prev = cp
    if start is not None:
        ranges.append((start, prev))

    def esc(cp: int) -> str:
        return "\\U%08x" % cp

    return "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges)


_L = _category_class("L")
_N = _category_class("N")
_S = _JS_SPACE
PRETOKENIZE = re.compile(
    rf"'s|'t|'re|'ve|'m|'ll|'d| ?[{_L}]+| ?[{_N}]+| ?[^{_S}{_L}{_N}]+|[{_S}]+(?![^{_S}])|[{_S}]+"
)


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {c: b for b, c in BYTE_ENC.items()}


def pretokenize(text: str) -> list[str]:
    return ["".join(BYTE_ENC[b] for b in m.encode("utf-8")) for m in PRETOKENIZE.findall(text)]


def train_bpe(texts: list[str], vocab_size: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Classic BPE on word counts with an incrementally maintained pair index.

    Returns (vocab in id order, merges in rank order). Ties are broken by the pair itself so
    the result does not depend on dict iteration order.
    """
    word_counts: Counter[str] = Counter()
    for t in texts:
        word_counts.update(pretokenize(t))
    words = [list(w) for w in word_counts]
    counts = list(word_counts.values())
    base = [BYTE_ENC[b] for b in range(256)]
    vocab = SPECIAL_TOKENS + base
    merges: list[tuple[str, str]] = []

    pair_counts: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, w in enumerate(words):
        for a, b in zip(w, w[1:]):
            pair_counts[(a, b)] += counts[i]
            where[(a, b)].add(i)

    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -neg:
            if pair_counts.get(pair, 0) > 0:
                heapq.heappush(heap, (-pair_counts[pair], pair))
            continue
        if -neg < 2:
            break
        a, b = pair
        new = a + b
        merges.append(pair)
        vocab.append(new)
        changed: Counter[tuple[str, str]] = Counter()
        for i in sorted(where.pop(pair, ())):
            w = words[i]
            c = counts[i]
            for x, y in zip(w, w[1:]):
                pair_counts[(x, y)] -= c
                changed[(x, y)] -= c
            j = 0
            merged: list[str] = []
            while j < len(w):
                if j + 1 < len(w) and w[j] == a and w[j + 1] == b:
                    merged.append(new)
                    j += 2
                else:
                    merged.append(w[j])
                    j += 1
            words[i] = merged
            for x, y in zip(merged, merged[1:]):
                pair_counts[(x, y)] += c
                changed[(x, y)] += c
                where[(x, y)].add(i)
        pair_counts.pop(pair, None)
        for p, delta in changed.items():
            if p != pair and delta > 0 and pair_counts.get(p, 0) > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
    return vocab, merges


class Tokenizer:
    def __init__(self, vocab: list[str], merges: list[tuple[str, str]]):
        self.vocab = vocab
        self.merges = merges
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.ranks = {m: r for r, m in enumerate(merges)}
        self._cache: dict[str, list[int]] = {}
        self._special = re.compile("(" + "|".join(re.escape(s) for s in SPECIAL_TOKENS) + ")")

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def _bpe(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        parts = list(word)
        while len(parts) > 1:
            best = None
            best_rank = None
            for k in range(len(parts) - 1):
                r = self.ranks.get((parts[k], parts[k + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best_rank, best = r, k
            if best is None:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        out = [self.ids[p] for p in parts]
        if len(self._cache) < 500_000:
            self._cache[word] = out
        return out

    def encode(self, text: str, allow_special: bool = False) -> list[int]:
        out: list[int] = []
        chunks = self._special.split(text) if allow_special else [text]
        for chunk in chunks:
            if allow_special and chunk in SPECIAL_TOKENS:
                out.append(self.ids[chunk])
                continue
            for w in pretokenize(chunk):
                out.extend(self._bpe(w))
        return out

    def decode(self, ids: list[int]) -> str:
        pieces: list[str] = []
        buf = bytearray()
        for i in ids:
            tok = self.vocab[i]
            if i < len(SPECIAL_TOKENS):
                pieces.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                pieces.append(tok)
            else:
                buf.extend(BYTE_DEC[ch] for ch in tok)
        pieces.append(buf.decode("utf-8", errors="replace"))
        return "".join(pieces)

    def to_hf_json(self) -> dict:
        added = [
            {"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, s in enumerate(SPECIAL_TOKENS)
        ]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True},
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": None,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": False,
                "byte_fallback": False,
                "ignore_merges": False,
                "vocab": {t: i for i, t in enumerate(self.vocab)},
                "merges": [[a, b] for a, b in self.merges],
            },
        }

    def save(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False)

    @classmethod
    def load(cls, path: str) -> "Tokenizer":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        vocab_map = data["model"]["vocab"]
        vocab = [""] * len(vocab_map)
        for t, i in vocab_map.items():
            vocab[i] = t
        merges = [tuple(m) for m in data["model"]["merges"]]
        return cls(vocab, merges)


def tokenizer_config(model_max_length: int) -> dict:
    return {
        "tokenizer_class": "GPT2Tokenizer",
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<pad>",
        "additional_special_tokens": SPECIAL_TOKENS[1:4],
        "add_prefix_space": False,
        "add_bos_token": False,
        "add_eos_token": False,
        "clean_up_tokenization_spaces": False,
        "model_max_length": model_max_length,
    }
