"""lm_data.py: the completion model's training windows (numpy, no torch for the samples)."""
from __future__ import annotations

import pytest

pytest.importorskip("numpy", reason="lm_data keeps the token stream in numpy; install requirements.txt")

from bpe import EOT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, PAD, Tokenizer, train_bpe  # noqa: E402
from lm_data import LMData  # noqa: E402

TEXTS = [
    "\n".join(f"def f{i}(x):\n    y = x * {i}\n    return y + {i}" for i in range(30)),
    "\n".join(f"const v{i} = compute({i}, 'name{i}');" for i in range(40)),
]
CTX = 64


@pytest.fixture(scope="module")
def data() -> LMData:
    vocab, merges = train_bpe(TEXTS, 320)
    return LMData(Tokenizer(vocab, merges), TEXTS, ctx=CTX, fim_rate=0.5, seed=0)


def test_left_to_right_windows_are_ctx_plus_one_tokens_of_the_stream(data):
    seq, mask = data._ar_sample()
    assert len(seq) == CTX + 1 and mask == [1] * CTX
    stream = data.stream.tolist()
    assert any(stream[i:i + CTX + 1] == seq for i in range(len(stream) - CTX))
    assert stream.count(EOT) == len(TEXTS)  # one end-of-text after each file


def test_fim_windows_use_the_psm_layout(data):
    for _ in range(20):
        seq, mask = data._fim_sample()
        assert len(seq) == CTX + 1 and len(mask) == CTX
        assert seq[0] == FIM_PREFIX
        s, m = seq.index(FIM_SUFFIX), seq.index(FIM_MIDDLE)
        assert 0 < s < m
        end = seq.index(EOT, m)
        assert all(t == PAD for t in seq[end + 1:])
        # the loss covers the real tokens, not the padding
        assert mask == [1] * end + [0] * (CTX - end)


def test_same_seed_same_samples():
    vocab, merges = train_bpe(TEXTS, 320)
    tok = Tokenizer(vocab, merges)
    a = LMData(tok, TEXTS, ctx=CTX, fim_rate=0.5, seed=7)
    b = LMData(tok, TEXTS, ctx=CTX, fim_rate=0.5, seed=7)
    assert [a._fim_sample() for _ in range(5)] == [b._fim_sample() for _ in range(5)]
