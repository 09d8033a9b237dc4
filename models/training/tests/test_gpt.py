"""gpt.py: the completion model's two forward paths agree (needs torch)."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the models are torch modules; install requirements.txt")

from gpt import GPT, GPTConfig  # noqa: E402


@pytest.fixture(scope="module")
def model() -> GPT:
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=97, n_embd=32, n_layer=2, n_head=4, train_ctx=32)).eval()


def test_later_tokens_do_not_change_earlier_logits(model):
    ids = torch.randint(0, 97, (1, 12), generator=torch.Generator().manual_seed(1))
    changed = ids.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 97
    with torch.no_grad():
        a, b = model(ids), model(changed)
    assert torch.allclose(a[0, :-1], b[0, :-1], atol=1e-6)
    assert not torch.allclose(a[0, -1], b[0, -1])


def test_cached_decoding_equals_the_full_forward(model):
    # what the ONNX export and transformers.js run: one token at a time with the KV cache
    ids = torch.randint(0, 97, (1, 10), generator=torch.Generator().manual_seed(2))
    h, hd = model.cfg.n_head, model.cfg.n_embd // model.cfg.n_head
    past = [torch.zeros(1, h, 0, hd) for _ in range(2 * model.cfg.n_layer)]
    with torch.no_grad():
        full = model(ids)
        logits, past = model.forward_cached(ids[:, :6], torch.ones(1, 6, dtype=torch.long), past)
        steps = [logits]
        for t in range(6, 10):
            logits, past = model.forward_cached(ids[:, t:t + 1], torch.ones(1, t + 1, dtype=torch.long), past)
            steps.append(logits)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_greedy_generation_never_emits_banned_tokens(model):
    out = model.generate_greedy([1, 2, 3], max_new=8, stop_ids=set(), banned=tuple(range(90)))
    assert len(out) == 8 and all(t >= 90 for t in out)


def test_eval_completion_scores_the_sampled_lines(tmp_path):
    # the held-out evaluation end to end on a random model: line sampling, prompts, metrics
    from bpe import Tokenizer, train_bpe
    from evaluate import eval_completion

    code = "\n".join(f"def f{i}(x):\n    return x + {i}" for i in range(10)) + "\n"
    (tmp_path / "m.py").write_text(code, encoding="utf-8")
    tok = Tokenizer(*train_bpe([code], 300))
    torch.manual_seed(0)
    lm = GPT(GPTConfig(vocab_size=300, n_embd=32, n_layer=1, n_head=4, train_ctx=64)).eval()
    result = eval_completion(lm, tok, tmp_path, per_file=3, seed=0)
    assert result["python"]["n"] == result["all"]["n"] == 3
    for key in ("em", "es", "fim_em", "fim_es"):
        assert 0.0 <= result["all"][key] <= 1.0
