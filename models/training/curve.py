"""Quality against training compute: next-line completion on the held-out files for each
checkpoint the completion training kept (lm-step*.pt, then lm.pt), with the model alone and with
the context cache the product decodes with. Writes <work>/lm_curve.json for the model card.

    /usr/bin/python3 models/training/curve.py --work /tmp/tandem-train [--lines-per-file 30]
"""
from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import torch

from bpe import EOT, NEVER_GENERATED, PAD, Tokenizer
from context_cache import mix_context_cache
from evaluate import MAX_LINE_TOKENS, PROMPT_TOKENS, first_line, line_cases
from gpt import GPT, GPTConfig
from metrics import edit_similarity, exact_match

HELDOUT = Path(__file__).resolve().parents[2] / "test" / "fixtures" / "heldout"


@torch.no_grad()
def greedy_line(model: GPT, tok: Tokenizer, ids: list[int], cache: bool) -> str:
    cfg = model.cfg
    past = [torch.zeros(1, cfg.n_head, 0, cfg.n_embd // cfg.n_head) for _ in range(2 * cfg.n_layer)]
    mask = torch.ones(1, len(ids), dtype=torch.long)
    x = torch.tensor([ids])
    seq, out = list(ids), []
    for _ in range(MAX_LINE_TOKENS):
        logits, past = model.forward_cached(x, mask, past)
        scores = logits[0, -1].clone()
        scores[list(NEVER_GENERATED)] = float("-inf")
        if cache:
            scores = mix_context_cache(scores, seq)
        nxt = int(scores.argmax())
        if nxt in (EOT, PAD):
            break
        out.append(nxt)
        seq.append(nxt)
        if "\n" in tok.decode(out).lstrip():
            break
        x = torch.tensor([[nxt]])
        mask = torch.cat([mask, torch.ones(1, 1, dtype=torch.long)], dim=1)
    return first_line(tok.decode(out))


def evaluate_checkpoint(path: Path, cfg: GPTConfig, tok: Tokenizer, per_file: int, seed: int) -> dict:
    model = GPT(cfg)
    model.load_state_dict(torch.load(path))
    model.eval()
    scores = {False: [0, 0.0], True: [0, 0.0]}
    n = 0
    for _, text, line, offset in line_cases(HELDOUT, per_file, seed):
        ref = line.strip()
        ids = tok.encode(text[: offset - 1])[-PROMPT_TOKENS:]
        n += 1
        for cache in (False, True):
            pred = greedy_line(model, tok, ids, cache)
            scores[cache][0] += int(exact_match(pred, ref))
            scores[cache][1] += edit_similarity(pred, ref)
    return {"n": n, "em": round(scores[False][0] / n, 4), "es": round(scores[False][1] / n, 4),
            "em_cache": round(scores[True][0] / n, 4), "es_cache": round(scores[True][1] / n, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/tandem-train")
    ap.add_argument("--lines-per-file", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    work = Path(args.work)
    metrics = json.loads((work / "lm_metrics.json").read_text())
    cfg = GPTConfig(**metrics["config"])
    tok = Tokenizer.load(str(work / "tokenizer.json"))
    tokens_per_step = metrics["batch_size"] * metrics["ctx"]
    points = sorted((int(re.search(r"(\d+)", p.stem).group(1)), p) for p in work.glob("lm-step*.pt"))
    points.append((metrics["steps"], work / "lm.pt"))
    curve = []
    for step, path in points:
        t0 = time.time()
        row = {"step": step, "tokens_m": round(step * tokens_per_step / 1e6, 2),
               **evaluate_checkpoint(path, cfg, tok, args.lines_per_file, args.seed)}
        row["eval_s"] = round(time.time() - t0, 1)
        print(json.dumps(row), flush=True)
        curve.append(row)
    (work / "lm_curve.json").write_text(json.dumps(curve, indent=1))


if __name__ == "__main__":
    main()
