"""Python mirror of server/src/backends/local/contextCache.ts (the cache model over the prompt
that the local backend mixes into completion decoding), for the training-side evaluation.
Held to the TypeScript by tests/test_parity.py on test/fixtures/parity/context-cache.json."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

WEIGHT_PER_TOKEN = 0.1
MAX_WEIGHT = 0.9
MAX_MATCH = 8


def longest_context_match(ids: list[int], max_match: int = MAX_MATCH) -> tuple[int, dict[int, int]]:
    n = len(ids)
    for length in range(min(max_match, n - 1), 0, -1):
        pattern = ids[n - length:]
        nxt: dict[int, int] = {}
        for i in range(n - length):
            if ids[i:i + length] == pattern:
                nxt[ids[i + length]] = nxt.get(ids[i + length], 0) + 1
        if nxt:
            return length, nxt
    return 0, {}


def mix_context_cache(scores: torch.Tensor, ids: list[int]) -> torch.Tensor:
    """scores: [vocab] logits with banned tokens at -inf -> log((1-λ)·p_model + λ·p_cache)."""
    import torch  # here, not at the top: longest_context_match and its tests need no torch

    length, nxt = longest_context_match(ids)
    nxt = {t: c for t, c in nxt.items() if t < scores.shape[0] and torch.isfinite(scores[t])}
    if not nxt:
        return scores
    lam = min(MAX_WEIGHT, WEIGHT_PER_TOKEN * length)
    p = torch.softmax(scores.float(), -1) * (1 - lam)
    total = sum(nxt.values())
    for t, c in nxt.items():
        p[t] += lam * c / total
    return torch.log(p)
