"""T5-style encoder-decoder (pre-RMSNorm, no biases, tied embeddings).

Differences from T5 proper, all for size/simplicity: learned absolute positions (encoder and
decoder) plus ALiBi locality penalties instead of bucketed relative position biases, GELU
feed-forward, one embedding shared by encoder, decoder and LM head, GPT-style init (std 0.02)
and unscaled tied logits. Absolute positions matter here: symmetric ALiBi alone cannot tell
`def f` from `f def`, and cross-attention has no other notion of where a source token sits.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

from layers import MLP, Attention, RMSNorm, alibi_slopes, bidirectional_alibi_bias, causal_alibi_bias, padding_bias


@dataclass
class T5Config:
    vocab_size: int
    d_model: int = 256
    n_head: int = 4
    n_enc: int = 3
    n_dec: int = 3
    d_ff: int = 1024
    max_source: int = 384
    max_target: int = 64
    n_src_positions: int = 512
    n_tgt_positions: int = 128

    def to_dict(self):
        return asdict(self)


class EncoderBlock(nn.Module):
    def __init__(self, c: T5Config):
        super().__init__()
        self.n1 = RMSNorm(c.d_model)
        self.attn = Attention(c.d_model, c.n_head, fused_qkv=True)
        self.n2 = RMSNorm(c.d_model)
        self.mlp = MLP(c.d_model, c.d_ff)

    def forward(self, x, bias):
        x = x + self.attn(self.n1(x), bias)[0]
        return x + self.mlp(self.n2(x))


class DecoderBlock(nn.Module):
    def __init__(self, c: T5Config):
        super().__init__()
        self.n1 = RMSNorm(c.d_model)
        self.self_attn = Attention(c.d_model, c.n_head, fused_qkv=True)
        self.n2 = RMSNorm(c.d_model)
        self.cross = Attention(c.d_model, c.n_head, fused_qkv=False)
        self.n3 = RMSNorm(c.d_model)
        self.mlp = MLP(c.d_model, c.d_ff)

    def forward(self, x, self_bias, enc, cross_bias, past_k=None, past_v=None):
        a, k, v = self.self_attn(self.n1(x), self_bias, past_k, past_v)
        x = x + a
        x = x + self.cross(self.n2(x), cross_bias, kv_source=enc)[0]
        return x + self.mlp(self.n3(x)), k, v


class Seq2Seq(nn.Module):
    def __init__(self, c: T5Config):
        super().__init__()
        self.cfg = c
        self.shared = nn.Embedding(c.vocab_size, c.d_model)
        self.src_pos = nn.Embedding(c.n_src_positions, c.d_model)
        self.tgt_pos = nn.Embedding(c.n_tgt_positions, c.d_model)
        self.enc = nn.ModuleList(EncoderBlock(c) for _ in range(c.n_enc))
        self.enc_norm = RMSNorm(c.d_model)
        self.dec = nn.ModuleList(DecoderBlock(c) for _ in range(c.n_dec))
        self.dec_norm = RMSNorm(c.d_model)
        self.register_buffer("slopes", alibi_slopes(c.n_head), persistent=False)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode(self, input_ids, attention_mask):
        bias = bidirectional_alibi_bias(self.slopes, input_ids.shape[1], attention_mask)
        positions = torch.arange(input_ids.shape[1]).clamp(max=self.cfg.n_src_positions - 1)
        x = self.shared(input_ids) + self.src_pos(positions).unsqueeze(0)
        for blk in self.enc:
            x = blk(x, bias)
        return self.enc_norm(x)

    def decode_step(self, input_ids, enc, enc_mask, past):
        """past = [k0, v0, ...] for decoder self-attention; cross K/V are recomputed from enc."""
        past_len = past[0].shape[2]
        self_bias = causal_alibi_bias(self.slopes, input_ids.shape[1], past_len, None)
        cross_bias = padding_bias(enc_mask)
        positions = (torch.arange(input_ids.shape[1]) + past_len).clamp(max=self.cfg.n_tgt_positions - 1)
        x = self.shared(input_ids) + self.tgt_pos(positions).unsqueeze(0)
        presents = []
        for i, blk in enumerate(self.dec):
            x, k, v = blk(x, self_bias, enc, cross_bias, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        logits = F.linear(self.dec_norm(x), self.shared.weight)
        return logits, presents

    def forward(self, src, src_mask, tgt_in, tgt_out, tgt_mask):
        enc = self.encode(src, src_mask)
        h, hd = self.cfg.n_head, self.cfg.d_model // self.cfg.n_head
        b = src.shape[0]
        past = [torch.zeros(b, h, 0, hd) for _ in range(2 * self.cfg.n_dec)]
        logits, _ = self.decode_step(tgt_in, enc, src_mask, past)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1), reduction="none")
        m = tgt_mask.reshape(-1).to(loss.dtype)
        return (loss * m).sum() / m.sum().clamp(min=1)

    @torch.no_grad()
    def generate_greedy(self, src_ids: list[int], start_id: int, eos_id: int, max_new: int,
                        no_repeat_ngram: int = 0) -> list[int]:
        src = torch.tensor([src_ids], dtype=torch.long)
        mask = torch.ones_like(src)
        enc = self.encode(src, mask)
        h, hd = self.cfg.n_head, self.cfg.d_model // self.cfg.n_head
        past = [torch.zeros(1, h, 0, hd) for _ in range(2 * self.cfg.n_dec)]
        x = torch.tensor([[start_id]], dtype=torch.long)
        out: list[int] = []
        for _ in range(max_new):
            logits, past = self.decode_step(x, enc, mask, past)
            scores = logits[0, -1].clone()
            for banned in banned_ngram_tokens([start_id] + out, no_repeat_ngram):
                scores[banned] = float("-inf")
            nxt = int(scores.argmax())
            if nxt == eos_id:
                break
            out.append(nxt)
            x = torch.tensor([[nxt]], dtype=torch.long)
        return out


def banned_ngram_tokens(seq: list[int], n: int) -> list[int]:
    """Tokens that would repeat an n-gram of seq (transformers' NoRepeatNGramLogitsProcessor)."""
    if n <= 0 or len(seq) + 1 < n:
        return []
    prefix = tuple(seq[len(seq) - n + 1:]) if n > 1 else ()
    return [seq[j + n - 1] for j in range(len(seq) - n + 1) if tuple(seq[j:j + n - 1]) == prefix]
