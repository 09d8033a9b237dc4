"""bpe.py: the byte-level BPE trainer and encoder, with no torch."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from bpe import EOT, FIM_MIDDLE, FIM_PREFIX, SPECIAL_TOKENS, Tokenizer, pretokenize, train_bpe

CODE = [
    "def add(a, b):\n    return a + b\n",
    "def sub(a, b):\n    return a - b\n",
    "const total = items.reduce((sum, x) => sum + x, 0);\n",
    "// naïve café — 日本語 😀\nlet s = 'it\\'s';\n",
] * 3


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    vocab, merges = train_bpe(CODE, 400)
    return Tokenizer(vocab, merges)


def test_pretokenize_follows_the_gpt2_regex():
    # words keep one leading space, contractions split off, a space run keeps its last space
    # for the next word, and bytes map to GPT-2's printable alphabet (space -> "Ġ", "\n" -> "Ċ")
    assert pretokenize("it's  done\n") == ["it", "'s", "Ġ", "Ġdone", "Ċ"]
    assert pretokenize("x1=42") == ["x", "1", "=", "42"]


def test_training_is_deterministic_and_starts_from_specials_and_bytes(tok):
    vocab, merges = train_bpe(CODE, 400)
    assert (vocab, merges) == (tok.vocab, tok.merges)
    assert vocab[: len(SPECIAL_TOKENS)] == SPECIAL_TOKENS
    assert len(vocab) == len(SPECIAL_TOKENS) + 256 + len(merges) <= 400
    # the first merge is the most frequent adjacent pair over all pre-tokens (ties: smallest pair)
    pairs = Counter()
    for text in CODE:
        for word in pretokenize(text):
            pairs.update(zip(word, word[1:]))
    best = max(pairs.values())
    assert merges[0] == min(p for p, c in pairs.items() if c == best)


@pytest.mark.parametrize("text", CODE[:4] + ["", "   \t\n\n", "x" * 50])
def test_decode_inverts_encode(tok, text):
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    # merges make the training texts shorter than their bytes
    if text in CODE and len(text) > 20:
        assert len(ids) < len(text.encode("utf-8"))


def test_special_tokens_are_single_ids_only_when_allowed(tok):
    text = "<fim_prefix>a<fim_middle>b<|endoftext|>"
    ids = tok.encode(text, allow_special=True)
    assert ids[0] == FIM_PREFIX and FIM_MIDDLE in ids and ids[-1] == EOT
    assert tok.decode(ids) == text
    assert EOT not in tok.encode(text)  # as plain text, the markers are just characters


def test_hf_json_round_trip(tok, tmp_path):
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["model"]["type"] == "BPE"
    assert [t["content"] for t in data["added_tokens"]] == SPECIAL_TOKENS
    again = Tokenizer.load(str(path))
    assert again.encode(CODE[2]) == tok.encode(CODE[2])


def test_the_bundled_models_tokenizer_loads_and_round_trips(repo_root):
    path = repo_root / "models" / "tandem-complete-mini" / "tokenizer.json"
    tok = Tokenizer.load(str(path))
    text = "def mean(values):\n    return sum(values) / len(values)\n"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert len(ids) < len(text) / 2  # a trained vocabulary: whole identifiers and indentation
    assert tok.vocab[:len(SPECIAL_TOKENS)] == SPECIAL_TOKENS
