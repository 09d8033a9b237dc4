"""The Python mirrors against the TypeScript originals, through the shared cases in
test/fixtures/parity/ (written by scripts/parity-cases.ts from the TypeScript; test/unit/parity.test.ts
keeps the files current). A failure here means a mirror computes something else than the product."""
from __future__ import annotations

import math

import pytest

import context_cache
import metrics
from conftest import load_parity

TEXT = load_parity("text-metrics.json")
CACHE = load_parity("context-cache.json")


def _ids(cases):
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", TEXT["cases"], ids=_ids(TEXT["cases"]))
def test_text_metrics_match_typescript(case):
    pred, ref, want = case["prediction"], case["reference"], case["expected"]
    assert metrics.normalize_whitespace(pred) == want["normalizedPrediction"]
    assert metrics.exact_match(pred, ref) == want["exactMatch"]
    assert metrics.bleu_tokens(pred) == want["bleuTokens"]
    assert metrics.rouge_tokens(pred) == want["rougeTokens"]
    # Same operations in the same order as the TypeScript: equal up to libm's last bits.
    assert metrics.edit_similarity(pred, ref) == pytest.approx(want["editSimilarity"], rel=1e-12, abs=0)
    assert metrics.bleu4(pred, ref) == pytest.approx(want["sentenceBleu4"], rel=1e-9, abs=0)
    assert metrics.rouge_l(pred, ref) == pytest.approx(want["rougeL"], rel=1e-12, abs=0)


def test_context_cache_constants_match_typescript():
    options = CACHE["options"]
    assert context_cache.WEIGHT_PER_TOKEN == options["weightPerToken"]
    assert context_cache.MAX_WEIGHT == options["maxWeight"]
    assert context_cache.MAX_MATCH == options["maxMatch"]


@pytest.mark.parametrize("case", CACHE["longestContextMatch"], ids=_ids(CACHE["longestContextMatch"]))
def test_longest_context_match_matches_typescript(case):
    length, nxt = context_cache.longest_context_match(case["ids"], case["maxMatch"])
    assert length == case["expected"]["length"]
    assert sorted([t, c] for t, c in nxt.items()) == case["expected"]["next"]


def _from_json(values):
    return [-math.inf if v is None else v for v in values]


@pytest.mark.parametrize("case", CACHE["mixContextCache"], ids=_ids(CACHE["mixContextCache"]))
def test_mix_context_cache_matches_typescript(case):
    torch = pytest.importorskip("torch", reason="mix_context_cache works on torch tensors; install requirements.txt")
    scores = torch.tensor(_from_json(case["logits"]), dtype=torch.float32)
    before = scores.clone()
    got = context_cache.mix_context_cache(scores, case["ids"]).tolist()
    want = _from_json(case["expected"]["logits"])
    if case["expected"]["lambda"] == 0:
        assert got == want == before.tolist()
        return
    # The TypeScript mixes in float64 and stores float32; the mirror mixes in float32.
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if w == -math.inf:
            assert g == -math.inf, f"token {i} must stay banned"
        else:
            assert g == pytest.approx(w, abs=1e-5), f"token {i}"
