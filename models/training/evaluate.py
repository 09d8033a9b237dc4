"""Python-side evaluation on the held-out fixture files (never in the training corpus)."""
from __future__ import annotations

import random
from pathlib import Path

from bpe import EOT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, NEVER_GENERATED, PAD, Tokenizer
from corpus import EXT_LANG
from export_onnx import NO_REPEAT_NGRAM
from gpt import GPT
from metrics import bleu4, edit_similarity, rouge_l
from pairs import js_pairs, python_pairs
from t5 import Seq2Seq

PROMPT_TOKENS = 384
MAX_LINE_TOKENS = 48


def heldout_files(root: Path) -> list[tuple[str, str, str]]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.suffix in EXT_LANG:
            out.append((str(p.relative_to(root)), EXT_LANG[p.suffix], p.read_text(encoding="utf-8")))
    return out


def sample_line_positions(text: str, n: int, seed: int) -> list[int]:
    """Indices of non-trivial lines (skipping the first 5 and blank lines)."""
    lines = text.split("\n")
    cand = [i for i in range(5, len(lines)) if len(lines[i].strip()) >= 2]
    rng = random.Random(seed)
    return sorted(rng.sample(cand, min(n, len(cand))))


def _one_line_done(tok: Tokenizer):
    """Stop once a non-blank line has been completed."""
    def stop(out: list[int]) -> bool:
        text = tok.decode(out).lstrip()
        return "\n" in text
    return stop


def first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def eval_completion(model: GPT, tok: Tokenizer, root: Path, per_file: int, seed: int) -> dict:
    per_lang: dict[str, dict] = {}
    for name, lang, text in heldout_files(root):
        lines = text.split("\n")
        offsets = [0]
        for l in lines[:-1]:
            offsets.append(offsets[-1] + len(l) + 1)
        for i in sample_line_positions(text, per_file, seed):
            ref = lines[i].strip()
            # the prompt ends at the end of the previous line: the model writes the newline and
            # the indentation itself, as in training (GPT-2 pre-tokenization merges "\n" with
            # the following indentation, so a prompt ending in a bare "\n" would be off-distribution)
            prefix_ids = tok.encode(text[: offsets[i] - 1])[-PROMPT_TOKENS:]
            out = model.generate_greedy(prefix_ids, MAX_LINE_TOKENS, {EOT, PAD}, _one_line_done(tok))
            pred = first_line(tok.decode(out))
            # FIM: same line as the middle, with up to 128 tokens of suffix
            suffix = text[offsets[i] + len(lines[i]):]
            pre = tok.encode(text[: offsets[i]])[-(PROMPT_TOKENS - 128):]
            prompt = [FIM_PREFIX] + pre + [FIM_SUFFIX] + tok.encode(suffix)[:128] + [FIM_MIDDLE]
            fout = tok.decode(model.generate_greedy(prompt, MAX_LINE_TOKENS, {EOT, PAD}, _one_line_done(tok)))
            fpred = first_line(fout)
            d = per_lang.setdefault(lang, {"n": 0, "em": 0, "es": 0.0, "fim_em": 0, "fim_es": 0.0})
            d["n"] += 1
            d["em"] += int(pred == ref)
            d["es"] += edit_similarity(pred, ref)
            d["fim_em"] += int(fpred == ref)
            d["fim_es"] += edit_similarity(fpred, ref)
    return _finish(per_lang, ["em", "es", "fim_em", "fim_es"])


def _finish(per_lang: dict, keys: list[str]) -> dict:
    total = {"n": 0, **{k: 0.0 for k in keys}}
    out = {}
    for lang, d in sorted(per_lang.items()):
        out[lang] = {"n": d["n"], **{k: round(d[k] / max(1, d["n"]), 4) for k in keys}}
        total["n"] += d["n"]
        for k in keys:
            total[k] += d[k]
    out["all"] = {"n": total["n"], **{k: round(total[k] / max(1, total["n"]), 4) for k in keys}}
    return out


def heldout_pairs(root: Path):
    pairs = []
    for name, lang, text in heldout_files(root):
        pairs += python_pairs(text, name) if lang == "python" else js_pairs(text, name, lang)
    return pairs


def eval_explanation(model: Seq2Seq, tok: Tokenizer, pairs, max_source: int) -> tuple[dict, list[dict]]:
    per_lang: dict[str, dict] = {}
    samples = []
    for p in pairs:
        src = tok.encode(p.code)[:max_source]
        pred = tok.decode(model.generate_greedy(src, PAD, EOT, model.cfg.max_target, NO_REPEAT_NGRAM, NEVER_GENERATED)).strip()
        d = per_lang.setdefault(p.lang, {"n": 0, "bleu4": 0.0, "rougeL": 0.0})
        d["n"] += 1
        d["bleu4"] += bleu4(pred, p.summary)
        d["rougeL"] += rouge_l(pred, p.summary)
        samples.append({"lang": p.lang, "name": p.name, "path": p.path, "reference": p.summary, "generated": pred})
    return _finish(per_lang, ["bleu4", "rougeL"]), samples
