"""Training samples for the completion model: plain left-to-right windows and FIM windows.

FIM uses the PSM layout `<fim_prefix>P<fim_suffix>S<fim_middle>M<|endoftext|>` (StarCoder's).
Prefix, suffix and middle are tokenized separately, which is exactly what happens at
inference, where the special tokens split the prompt into independently tokenized chunks.
Middles are chosen to look like what an editor asks for: a whole line, the rest of a line from
the cursor, or a short block of lines.
"""
from __future__ import annotations

import random

import numpy as np

from bpe import EOT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, PAD, Tokenizer


class LMData:
    def __init__(self, tok: Tokenizer, texts: list[str], ctx: int, fim_rate: float, seed: int):
        self.tok = tok
        self.texts = [t for t in texts if t.strip()]
        self.ctx = ctx
        self.fim_rate = fim_rate
        self.rng = random.Random(seed)
        ids: list[int] = []
        for t in self.texts:
            ids.extend(tok.encode(t))
            ids.append(EOT)
        self.stream = np.array(ids, dtype=np.int32)
        self.chars_per_token = sum(len(t) for t in self.texts) / max(1, len(ids))

    @property
    def n_tokens(self) -> int:
        return len(self.stream)

    def _ar_sample(self) -> tuple[list[int], list[int]]:
        start = self.rng.randrange(0, len(self.stream) - self.ctx - 1)
        seq = self.stream[start:start + self.ctx + 1].tolist()
        return seq, [1] * self.ctx

    def _pick_middle(self, window: str) -> tuple[int, int]:
        lines = window.split("\n")
        offsets = [0]
        for l in lines[:-1]:
            offsets.append(offsets[-1] + len(l) + 1)
        # avoid the clipped first/last line of the window
        candidates = [i for i in range(1, len(lines) - 1) if lines[i].strip()] or [0]
        i = self.rng.choice(candidates)
        r = self.rng.random()
        line_start, line_end = offsets[i], offsets[i] + len(lines[i])
        if r < 0.45:  # one whole line (without its newline)
            indent = len(lines[i]) - len(lines[i].lstrip())
            return line_start + (indent if self.rng.random() < 0.5 else 0), line_end
        if r < 0.7:  # rest of the line from a cursor inside it
            col = self.rng.randrange(0, max(1, len(lines[i])))
            return line_start + col, line_end
        j = min(len(lines) - 2, i + self.rng.randrange(1, 6))  # a block of lines
        return line_start, offsets[j] + len(lines[j])

    def _fim_sample(self) -> tuple[list[int], list[int]]:
        text = self.rng.choice(self.texts)
        span = int(self.ctx * self.chars_per_token * 1.1)
        start = self.rng.randrange(0, max(1, len(text) - span))
        window = text[start:start + span]
        a, b = self._pick_middle(window)
        budget = self.ctx + 1 - 4
        mid = self.tok.encode(window[a:b])[: budget // 4]
        pre = self.tok.encode(window[:a])
        suf = self.tok.encode(window[b:])
        room = budget - len(mid)
        take_suf = min(len(suf), max(room // 3, room - len(pre)))
        take_pre = min(len(pre), room - take_suf)
        pre = pre[len(pre) - take_pre:]
        suf = suf[:take_suf]
        seq = [FIM_PREFIX] + pre + [FIM_SUFFIX] + suf + [FIM_MIDDLE] + mid + [EOT]
        n = len(seq)
        seq = seq + [PAD] * (self.ctx + 1 - n)
        mask = [1] * (n - 1) + [0] * (self.ctx + 1 - n)
        return seq, mask

    def batch(self, batch_size: int):
        import torch
        seqs, masks = [], []
        for _ in range(batch_size):
            s, m = self._fim_sample() if self.rng.random() < self.fim_rate else self._ar_sample()
            seqs.append(s)
            masks.append(m)
        x = torch.tensor(seqs, dtype=torch.long)
        return x[:, :-1], x[:, 1:], torch.tensor(masks, dtype=torch.long)


def fim_prompt(tok: Tokenizer, prefix: str, suffix: str) -> list[int]:
    return [FIM_PREFIX] + tok.encode(prefix) + [FIM_SUFFIX] + tok.encode(suffix) + [FIM_MIDDLE]
