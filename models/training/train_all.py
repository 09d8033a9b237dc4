"""The one training command: corpus -> tokenizer -> both models -> evaluation -> ONNX -> cards.

    /usr/bin/python3 models/training/train_all.py --seed 0 --out models/

Stage "prepare" builds the corpus, the tokenizer and the explanation pairs into --work; then
the two trainings run as two child processes, one thread each, side by side; each child
evaluates, exports fp32 + int8 ONNX and writes its metrics; finally the model cards are
rendered from those metrics. Step counts are fixed (not time budgets) so that the same seed
gives the same result on a busier or quieter machine.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
REPO = HERE.parent.parent
HELDOUT = REPO / "test" / "fixtures" / "heldout"

PRESETS = {
    # steps, batch size, context, peak lr
    # sized for ~45-50 minutes on one shared CPU core each (measured ~2,300 tokens/s for the
    # completion model and ~9 pairs/s for the explanation model with OpenBLAS)
    "full": {"lm": dict(steps=1400, batch=12, ctx=384, lr=2e-3), "s2s": dict(steps=1500, batch=16, lr=2e-3),
             "vocab": 4096, "eval_lines_per_file": 30},
    "quick": {"lm": dict(steps=120, batch=8, ctx=256, lr=2e-3), "s2s": dict(steps=120, batch=16, lr=2e-3),
              "vocab": 4096, "eval_lines_per_file": 4},
}
COMPLETE_DIR = "tandem-complete-mini"
EXPLAIN_DIR = "tandem-explain-mini"
# What is committed (the 40 MB budget): the completion model in fp32 and int8, the explanation
# model in int8 only. The fp32 explanation graphs stay in --work/export (same command rebuilds them).
SHIPPED_ONNX = {
    COMPLETE_DIR: ["model.onnx", "model_quantized.onnx"],
    EXPLAIN_DIR: ["encoder_model_quantized.onnx", "decoder_model_merged_quantized.onnx"],
}
CONFIG_FILES = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"]


def ship(work: Path, out_root: Path, name: str) -> None:
    """Copy the committed files of one model from the work export into --out."""
    import shutil
    src, dst = work / "export" / name, out_root / name
    (dst / "onnx").mkdir(parents=True, exist_ok=True)
    for old in (dst / "onnx").glob("*.onnx"):
        old.unlink()
    for f in CONFIG_FILES:
        shutil.copyfile(src / f, dst / f)
    for f in SHIPPED_ONNX[name]:
        shutil.copyfile(src / "onnx" / f, dst / "onnx" / f)


def log_to(path: Path):
    def log(msg: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        with open(path, "a") as f:
            f.write(line + "\n")
    return log


def prepare(args, preset) -> None:
    import random
    import corpus
    import pairs as pairs_mod
    from bpe import Tokenizer, train_bpe

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    log = log_to(work / "prepare.log")
    t0 = time.time()
    files, manifest = corpus.collect(HELDOUT, args.seed)
    train_files, valid_files = corpus.split_files(files, args.seed)
    log(f"corpus: {len(files)} files, {manifest['bytes_by_language']}")
    rng = random.Random(args.seed)
    bpe_sample = rng.sample(train_files, min(800, len(train_files)))
    vocab, merges = train_bpe([f.text for f in bpe_sample], preset["vocab"])
    tok = Tokenizer(vocab, merges)
    tok.save(str(work / "tokenizer.json"))
    all_pairs = pairs_mod.mine(train_files)
    valid_pairs = pairs_mod.mine(valid_files)
    log(f"tokenizer: {tok.vocab_size} tokens; pairs: {len(all_pairs)} train, {len(valid_pairs)} valid")
    manifest["train_files"] = len(train_files)
    manifest["valid_files"] = len(valid_files)
    manifest["pairs"] = {"train": len(all_pairs), "valid": len(valid_pairs)}
    manifest["prepare_wall_s"] = round(time.time() - t0, 1)
    (work / "corpus_manifest.json").write_text(json.dumps(manifest, indent=1))
    with open(work / "data.pkl", "wb") as f:
        pickle.dump({"train": [(x.lang, x.text) for x in train_files],
                     "valid": [(x.lang, x.text) for x in valid_files],
                     "pairs": all_pairs, "valid_pairs": valid_pairs}, f)


def _load(work: Path):
    from bpe import Tokenizer
    tok = Tokenizer.load(str(work / "tokenizer.json"))
    with open(work / "data.pkl", "rb") as f:
        data = pickle.load(f)
    return tok, data


def stage_lm(args, preset) -> None:
    import torch
    torch.set_num_threads(1)
    from evaluate import eval_completion, heldout_files
    from export_onnx import export_gpt, write_gpt_configs
    from gpt import GPTConfig
    from lm_data import LMData
    from quantize import quantize_file
    from train_lm import eval_loss, train_lm

    work = Path(args.work)
    log = log_to(work / "lm.log")
    tok, data = _load(work)
    p = preset["lm"]
    cfg = GPTConfig(vocab_size=tok.vocab_size, n_embd=args.lm_embd, n_layer=args.lm_layers, n_head=args.lm_heads,
                    train_ctx=p["ctx"])
    train = LMData(tok, [t for _, t in data["train"]], p["ctx"], fim_rate=0.5, seed=args.seed)
    valid = LMData(tok, [t for _, t in data["valid"]], p["ctx"], fim_rate=0.0, seed=args.seed + 7)
    if args.reuse_checkpoint:  # re-evaluate / re-export the last training of this work dir
        import torch as _t
        from gpt import GPT
        model = GPT(cfg)
        model.load_state_dict(_t.load(work / "lm.pt"))
        model.eval()
        old = json.loads((work / "lm_metrics.json").read_text())
        info = {k: old[k] for k in ("steps", "batch_size", "ctx", "lr", "train_wall_s", "tokens_seen", "loss_history")}
        log("reusing the trained checkpoint lm.pt (no training)")
    else:
        model, info = train_lm(cfg, train, p["steps"], p["batch"], p["lr"], args.seed, log)
    info["params"] = model.num_params()
    info["config"] = cfg.to_dict()
    info["train_tokens_available"] = train.n_tokens
    info["chars_per_token"] = round(train.chars_per_token, 3)
    info["valid_loss"] = round(eval_loss(model, valid, 20, 8), 4)
    heldout_texts = [text for _, _, text in heldout_files(HELDOUT)]
    held = LMData(tok, heldout_texts, p["ctx"], fim_rate=0.0, seed=args.seed + 9)
    info["heldout_loss"] = round(eval_loss(model, held, 20, 8), 4)
    log(f"valid loss {info['valid_loss']} heldout loss {info['heldout_loss']}")
    t0 = time.time()
    info["heldout_completion"] = eval_completion(model, tok, HELDOUT, preset["eval_lines_per_file"], args.seed)
    info["eval_wall_s"] = round(time.time() - t0, 1)
    log(f"completion eval {json.dumps(info['heldout_completion'])}")
    out = work / "export" / COMPLETE_DIR
    export_gpt(model, str(out))
    write_gpt_configs(model, tok, str(out))
    info["quantization"] = quantize_file(str(out / "onnx" / "model.onnx"), str(out / "onnx" / "model_quantized.onnx"))
    info["golden"] = _gpt_golden(model, tok)
    ship(work, Path(args.out), COMPLETE_DIR)
    torch.save(model.state_dict(), work / "lm.pt")
    (work / "lm_metrics.json").write_text(json.dumps(info, indent=1))
    log("completion model exported")


def _gpt_golden(model, tok) -> list[dict]:
    """Greedy outputs from PyTorch, for verify_node.mjs to compare against transformers.js."""
    from bpe import EOT
    from export_onnx import FIM_FORMAT
    prompts = [
        "def fibonacci(n):\n    ",
        "import os\nimport sys\n\ndef main():\n",
        "export function add(a: number, b: number): number {\n",
        "const items = [1, 2, 3];\nfor (const item of items) {\n",
        FIM_FORMAT.format(prefix="def area(r):\n    return ", suffix="\n\nprint(area(2))\n"),
    ]
    out = []
    for p in prompts:
        ids = tok.encode(p, allow_special=True)
        gen = model.generate_greedy(ids, 24, {EOT})
        out.append({"prompt": p, "prompt_ids": ids, "generated_ids": gen, "generated_text": tok.decode(gen)})
    return out


def stage_s2s(args, preset) -> None:
    import torch
    torch.set_num_threads(1)
    from bpe import EOT, PAD
    from evaluate import eval_explanation, heldout_pairs
    from export_onnx import NO_REPEAT_NGRAM, export_t5, write_t5_configs
    from quantize import quantize_file
    from t5 import T5Config
    from train_s2s import PairData, eval_loss, train_s2s

    work = Path(args.work)
    log = log_to(work / "s2s.log")
    tok, data = _load(work)
    p = preset["s2s"]
    cfg = T5Config(vocab_size=tok.vocab_size, d_model=args.s2s_d, n_head=args.s2s_heads, n_enc=args.s2s_layers,
                   n_dec=args.s2s_layers, d_ff=4 * args.s2s_d, max_source=args.s2s_max_source)
    train = PairData(tok, data["pairs"], cfg, args.seed)
    valid = PairData(tok, data["valid_pairs"], cfg, args.seed + 3)
    model, info = train_s2s(cfg, train, p["steps"], p["batch"], p["lr"], args.seed, log)
    info["params"] = model.num_params()
    info["config"] = cfg.to_dict()
    info["train_pairs"] = len(train)
    info["valid_loss"] = round(eval_loss(model, valid), 4)
    t0 = time.time()
    held_pairs = heldout_pairs(HELDOUT)
    valid_metrics, _ = eval_explanation(model, tok, data["valid_pairs"][:300], cfg.max_source)
    held_metrics, samples = eval_explanation(model, tok, held_pairs, cfg.max_source)
    info["eval_wall_s"] = round(time.time() - t0, 1)
    info["valid_explanation"] = valid_metrics
    info["heldout_explanation"] = held_metrics
    info["heldout_samples"] = samples
    log(f"explanation eval valid {json.dumps(valid_metrics)} heldout {json.dumps(held_metrics)}")
    out = work / "export" / EXPLAIN_DIR
    export_t5(model, str(out))
    write_t5_configs(model, tok, str(out))
    info["quantization"] = {
        name: quantize_file(str(out / "onnx" / f"{name}.onnx"), str(out / "onnx" / f"{name}_quantized.onnx"))
        for name in ("encoder_model", "decoder_model_merged")
    }
    golden = []
    for pair in held_pairs[:: max(1, len(held_pairs) // 4)][:4]:
        src = tok.encode(pair.code)[: cfg.max_source]
        gen = model.generate_greedy(src, PAD, EOT, 24, NO_REPEAT_NGRAM)
        golden.append({"code": pair.code, "prompt_ids": src, "generated_ids": gen, "generated_text": tok.decode(gen)})
    info["golden"] = golden
    ship(work, Path(args.out), EXPLAIN_DIR)
    torch.save(model.state_dict(), work / "s2s.pt")
    (work / "s2s_metrics.json").write_text(json.dumps(info, indent=1))
    log("explanation model exported")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "models"))
    ap.add_argument("--work", default="/tmp/tandem-train")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="full")
    ap.add_argument("--stage", choices=["all", "prepare", "lm", "s2s", "cards"], default="all")
    ap.add_argument("--reuse-checkpoint", action="store_true",
                    help="with --stage lm: skip training, evaluate and export the work dir's lm.pt")
    ap.add_argument("--lm-embd", type=int, default=256)
    ap.add_argument("--lm-layers", type=int, default=4)
    ap.add_argument("--lm-heads", type=int, default=4)
    ap.add_argument("--s2s-d", type=int, default=256)
    ap.add_argument("--s2s-heads", type=int, default=4)
    ap.add_argument("--s2s-layers", type=int, default=3)
    ap.add_argument("--s2s-max-source", type=int, default=256)
    args = ap.parse_args()
    preset = PRESETS[args.preset]
    if args.stage == "prepare":
        return prepare(args, preset)
    if args.stage == "lm":
        return stage_lm(args, preset)
    if args.stage == "s2s":
        return stage_s2s(args, preset)
    if args.stage == "cards":
        from cards import write_cards
        return write_cards(Path(args.work), Path(args.out), args, preset)

    t0 = time.time()
    prepare(args, preset)
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    blas = os.environ.get("TANDEM_OPENBLAS_DIR")
    if blas:  # Debian's torch links the reference BLAS; OpenBLAS is ~15x faster (see README)
        env["LD_LIBRARY_PATH"] = blas + ":" + env.get("LD_LIBRARY_PATH", "")
    base = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    base = [a for a in base if not a.startswith("--stage")]
    procs = [subprocess.Popen(base + ["--stage", s], env=env) for s in ("lm", "s2s")]
    codes = [p.wait() for p in procs]
    if any(codes):
        raise SystemExit(f"training stage failed: exit codes {codes}")
    from cards import write_cards
    write_cards(Path(args.work), Path(args.out), args, preset, total_wall_s=time.time() - t0)


if __name__ == "__main__":
    main()
