"""Train the explanation model on (code -> summary) pairs for a fixed number of steps."""
from __future__ import annotations

import random
import time

import torch

from bpe import EOT, PAD, Tokenizer
from pairs import Pair
from t5 import Seq2Seq, T5Config
from train_lm import lr_at


class PairData:
    def __init__(self, tok: Tokenizer, pairs: list[Pair], cfg: T5Config, seed: int):
        self.rng = random.Random(seed)
        self.items = []
        for p in pairs:
            src = tok.encode(p.code)[: cfg.max_source]
            tgt = tok.encode(p.summary)[: cfg.max_target - 1] + [EOT]
            self.items.append((src, tgt))

    def __len__(self):
        return len(self.items)

    def batch(self, batch_size: int):
        chosen = [self.rng.choice(self.items) for _ in range(batch_size)]
        s_len = max(len(s) for s, _ in chosen)
        t_len = max(len(t) for _, t in chosen)
        src = torch.full((batch_size, s_len), PAD, dtype=torch.long)
        src_mask = torch.zeros((batch_size, s_len), dtype=torch.long)
        tgt_in = torch.full((batch_size, t_len), PAD, dtype=torch.long)
        tgt_out = torch.full((batch_size, t_len), PAD, dtype=torch.long)
        tgt_mask = torch.zeros((batch_size, t_len), dtype=torch.long)
        for i, (s, t) in enumerate(chosen):
            src[i, : len(s)] = torch.tensor(s)
            src_mask[i, : len(s)] = 1
            tgt_in[i, 0] = PAD  # decoder_start_token_id
            tgt_in[i, 1: len(t)] = torch.tensor(t[:-1])
            tgt_out[i, : len(t)] = torch.tensor(t)
            tgt_mask[i, : len(t)] = 1
        return src, src_mask, tgt_in, tgt_out, tgt_mask


@torch.no_grad()
def eval_loss(model: Seq2Seq, data: PairData, batch_size: int = 32) -> float:
    model.eval()
    total, n = 0.0, 0
    for k in range(0, len(data.items), batch_size):
        saved = data.rng
        data.rng = random.Random(k)
        b = data.batch(min(batch_size, len(data.items) - k))
        data.rng = saved
        total += float(model(*b))
        n += 1
    model.train()
    return total / max(1, n)


def train_s2s(cfg: T5Config, train: PairData, steps: int, batch_size: int, lr: float, seed: int, log):
    torch.manual_seed(seed)
    model = Seq2Seq(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05)
    log(f"explanation model: {model.num_params():,} parameters; {len(train):,} train pairs")
    t0 = time.time()
    history = []
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr, warmup=min(200, steps // 10 + 1))
        loss = model(*train.batch(batch_size))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            log(f"s2s step {step}/{steps} loss {float(loss):.3f} {time.time() - t0:.0f}s")
            history.append((step, float(loss)))
    model.eval()
    return model, {"steps": steps, "batch_size": batch_size, "lr": lr, "train_wall_s": round(time.time() - t0, 1),
                   "loss_history": history}
