"""GPT-2-style decoder-only language model (pre-LayerNorm, tied embeddings, ALiBi)."""
from __future__ import annotations

from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from bpe import NEVER_GENERATED
from layers import MLP, Attention, alibi_slopes, causal_alibi_bias


@dataclass
class GPTConfig:
    vocab_size: int
    n_embd: int = 256
    n_layer: int = 4
    n_head: int = 8
    n_positions: int = 1024  # nominal (ALiBi has no table); what config.json advertises
    train_ctx: int = 512

    def to_dict(self):
        return asdict(self)


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = Attention(cfg.n_embd, cfg.n_head, fused_qkv=True)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = MLP(cfg.n_embd, 4 * cfg.n_embd)

    def forward(self, x, bias, past_k=None, past_v=None):
        a, k, v = self.attn(self.ln1(x), bias, past_k, past_v)
        x = x + a
        x = x + self.mlp(self.ln2(x))
        return x, k, v


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        self.register_buffer("slopes", alibi_slopes(cfg.n_head), persistent=False)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("out.weight") or name.endswith("down.weight"):
                nn.init.normal_(p, std=0.02 / (2 * cfg.n_layer) ** 0.5)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, input_ids, targets=None, loss_mask=None):
        """Training/eval forward over full sequences (no cache)."""
        t = input_ids.shape[1]
        bias = causal_alibi_bias(self.slopes, t, 0, None)
        x = self.wte(input_ids)
        for blk in self.blocks:
            x, _, _ = blk(x, bias)
        logits = F.linear(self.ln_f(x), self.wte.weight)
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
        if loss_mask is not None:
            m = loss_mask.reshape(-1).to(loss.dtype)
            return logits, (loss * m).sum() / m.sum().clamp(min=1)
        return logits, loss.mean()

    def forward_cached(self, input_ids, attention_mask, past):
        """Export/inference path: past = [k0, v0, k1, v1, ...] each [b, h, past_len, head_dim]."""
        past_len = past[0].shape[2]
        bias = causal_alibi_bias(self.slopes, input_ids.shape[1], past_len, attention_mask)
        x = self.wte(input_ids)
        presents = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, bias, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        logits = F.linear(self.ln_f(x), self.wte.weight)
        return logits, presents

    @torch.no_grad()
    def generate_greedy(self, ids: list[int], max_new: int, stop_ids: set[int], stop_at_newline=None,
                        banned: tuple[int, ...] = NEVER_GENERATED) -> list[int]:
        """Greedy decoding with the KV cache (mirrors what transformers.js does with
        generation_config.json's bad_words_ids)."""
        dev_ids = torch.tensor([ids], dtype=torch.long)
        h, hd = self.cfg.n_head, self.cfg.n_embd // self.cfg.n_head
        past = [torch.zeros(1, h, 0, hd) for _ in range(2 * self.cfg.n_layer)]
        mask = torch.ones(1, len(ids), dtype=torch.long)
        out: list[int] = []
        x = dev_ids
        for _ in range(max_new):
            logits, past = self.forward_cached(x, mask, past)
            scores = logits[0, -1].clone()
            scores[list(banned)] = float("-inf")
            nxt = int(scores.argmax())
            if nxt in stop_ids:
                break
            out.append(nxt)
            if stop_at_newline is not None and stop_at_newline(out):
                break
            x = torch.tensor([[nxt]], dtype=torch.long)
            mask = torch.cat([mask, torch.ones(1, 1, dtype=torch.long)], dim=1)
        return out
