"""Train the completion model for a fixed number of steps (deterministic for a given seed)."""
from __future__ import annotations

import math
import time

import torch

from gpt import GPT, GPTConfig
from lm_data import LMData


def lr_at(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


@torch.no_grad()
def eval_loss(model: GPT, data: LMData, batches: int, batch_size: int) -> float:
    model.eval()
    losses = []
    for _ in range(batches):
        x, y, m = data.batch(batch_size)
        losses.append(float(model(x, y, m)[1]))
    model.train()
    return sum(losses) / len(losses)


def train_lm(cfg: GPTConfig, train: LMData, steps: int, batch_size: int, lr: float,
             seed: int, log) -> tuple[GPT, dict]:
    torch.manual_seed(seed)
    model = GPT(cfg)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.95))
    log(f"completion model: {model.num_params():,} parameters; {train.n_tokens:,} train tokens")
    t0 = time.time()
    history = []
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps, lr, warmup=min(200, steps // 10 + 1))
        x, y, m = train.batch(batch_size)
        _, loss = model(x, y, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 50 == 0 or step == steps - 1:
            elapsed = time.time() - t0
            log(f"lm step {step}/{steps} loss {float(loss):.3f} {elapsed:.0f}s")
            history.append((step, float(loss)))
    wall = time.time() - t0
    model.eval()
    return model, {"steps": steps, "batch_size": batch_size, "ctx": cfg.train_ctx, "lr": lr,
                   "train_wall_s": round(wall, 1), "tokens_seen": steps * batch_size * cfg.train_ctx,
                   "loss_history": history}
