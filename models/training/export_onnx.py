"""Export both models in the directory layout transformers.js 3.x loads offline.

Completion (model_type gpt2):  onnx/model.onnx
  inputs  input_ids [b, t] int64, attention_mask [b, past+t] int64,
          past_key_values.{i}.key / .value [b, n_head, past, head_dim] float32
  outputs logits [b, t, vocab], present.{i}.key / .value [b, n_head, past+t, head_dim]

Explanation (model_type t5):  onnx/encoder_model.onnx + onnx/decoder_model_merged.onnx
  encoder inputs input_ids, attention_mask -> last_hidden_state
  decoder inputs input_ids, encoder_attention_mask, encoder_hidden_states,
          past_key_values.{i}.decoder.key / .value   (self-attention cache)
  outputs logits, present.{i}.decoder.key / .value
  The decoder has no `use_cache_branch` and no `past_key_values.{i}.encoder.*` inputs:
  transformers.js only feeds the inputs a session declares (models.js `pick(...,
  session.inputNames)`), so it runs this graph with the self-attention cache on every step and
  the decoder recomputes cross-attention K/V from encoder_hidden_states (cheap at this size).
"""
from __future__ import annotations

import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from bpe import EOT, NEVER_GENERATED, PAD, SPECIAL_TOKENS, Tokenizer, tokenizer_config
from gpt import GPT
from t5 import Seq2Seq

OPSET = 14
FIM_FORMAT = "<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>"
# greedy summaries of a tiny model loop ("the given given given"); transformers.js applies this
# from generation_config.json and the Python evaluation does the same (t5.banned_ngram_tokens)
NO_REPEAT_NGRAM = 3


class _GPTExport(nn.Module):
    def __init__(self, m: GPT):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, *past):
        logits, presents = self.m.forward_cached(input_ids, attention_mask, list(past))
        return (logits, *presents)


class _EncoderExport(nn.Module):
    def __init__(self, m: Seq2Seq):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.encode(input_ids, attention_mask)


class _DecoderExport(nn.Module):
    def __init__(self, m: Seq2Seq):
        super().__init__()
        self.m = m

    def forward(self, input_ids, encoder_attention_mask, encoder_hidden_states, *past):
        logits, presents = self.m.decode_step(input_ids, encoder_hidden_states, encoder_attention_mask, list(past))
        return (logits, *presents)


def dedupe_transposed_initializers(path: str) -> None:
    """torch folds the tied LM head's transpose into a second copy of the embedding; replace the
    copy by a Transpose node so the file stores the matrix once."""
    model = onnx.load(path)
    g = model.graph
    arrays = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    two_d = {n: a for n, a in arrays.items() if a.ndim == 2}
    only_matmul_b = {
        n for n in two_d
        if all(node.op_type == "MatMul" and node.input[1] == n for node in g.node if n in node.input)
    }
    drop = {}
    for n in sorted(two_d):
        a = two_d[n]
        for m_name in sorted(two_d):
            b = two_d[m_name]
            if (n != m_name and n in only_matmul_b and m_name not in only_matmul_b and m_name not in drop
                    and a.shape == b.shape[::-1] and np.array_equal(a, b.T)):
                drop[n] = m_name  # n (the folded transpose) := Transpose(m_name)
                break
    if not drop:
        return
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    nodes = [onnx.helper.make_node("Transpose", [src], [dst], name=f"tied_{dst}", perm=[1, 0]) for dst, src in drop.items()]
    for k, node in enumerate(nodes):
        g.node.insert(k, node)
    onnx.save(model, path)


def _export(module, args, path, input_names, output_names, dynamic_axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            module, args, path, input_names=input_names, output_names=output_names,
            dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True,
        )
    dedupe_transposed_initializers(path)
    onnx.checker.check_model(onnx.load(path))


def export_gpt(model: GPT, out_dir: str) -> None:
    model.eval()
    c = model.cfg
    hd = c.n_embd // c.n_head
    past_len, t = 3, 2
    ids = torch.randint(5, c.vocab_size, (1, t))
    mask = torch.ones(1, past_len + t, dtype=torch.long)
    past = [torch.randn(1, c.n_head, past_len, hd) for _ in range(2 * c.n_layer)]
    in_names = ["input_ids", "attention_mask"]
    out_names = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "sequence_length"},
        "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
        "logits": {0: "batch_size", 1: "sequence_length"},
    }
    for i in range(c.n_layer):
        for kv in ("key", "value"):
            pi, po = f"past_key_values.{i}.{kv}", f"present.{i}.{kv}"
            in_names.append(pi)
            out_names.append(po)
            axes[pi] = {0: "batch_size", 2: "past_sequence_length"}
            axes[po] = {0: "batch_size", 2: "total_sequence_length"}
    _export(_GPTExport(model), (ids, mask, *past), os.path.join(out_dir, "onnx", "model.onnx"), in_names, out_names, axes)


def export_t5(model: Seq2Seq, out_dir: str) -> None:
    model.eval()
    c = model.cfg
    hd = c.d_model // c.n_head
    s, t, past_len = 7, 2, 3
    src = torch.randint(5, c.vocab_size, (1, s))
    src_mask = torch.ones(1, s, dtype=torch.long)
    _export(
        _EncoderExport(model), (src, src_mask), os.path.join(out_dir, "onnx", "encoder_model.onnx"),
        ["input_ids", "attention_mask"], ["last_hidden_state"],
        {"input_ids": {0: "batch_size", 1: "encoder_sequence_length"},
         "attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
         "last_hidden_state": {0: "batch_size", 1: "encoder_sequence_length"}},
    )
    enc = torch.randn(1, s, c.d_model)
    tgt = torch.randint(5, c.vocab_size, (1, t))
    past = [torch.randn(1, c.n_head, past_len, hd) for _ in range(2 * c.n_dec)]
    in_names = ["input_ids", "encoder_attention_mask", "encoder_hidden_states"]
    out_names = ["logits"]
    axes = {
        "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
        "encoder_attention_mask": {0: "batch_size", 1: "encoder_sequence_length"},
        "encoder_hidden_states": {0: "batch_size", 1: "encoder_sequence_length"},
        "logits": {0: "batch_size", 1: "decoder_sequence_length"},
    }
    for i in range(c.n_dec):
        for kv in ("key", "value"):
            pi, po = f"past_key_values.{i}.decoder.{kv}", f"present.{i}.decoder.{kv}"
            in_names.append(pi)
            out_names.append(po)
            axes[pi] = {0: "batch_size", 2: "past_decoder_sequence_length"}
            axes[po] = {0: "batch_size", 2: "total_decoder_sequence_length"}
    _export(_DecoderExport(model), (tgt, src_mask, enc, *past),
            os.path.join(out_dir, "onnx", "decoder_model_merged.onnx"), in_names, out_names, axes)


def _write_json(path: str, obj: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_gpt_configs(model: GPT, tok: Tokenizer, out_dir: str) -> None:
    c = model.cfg
    _write_json(os.path.join(out_dir, "config.json"), {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "vocab_size": tok.vocab_size,
        "n_embd": c.n_embd,
        "n_layer": c.n_layer,
        "n_head": c.n_head,
        "n_inner": 4 * c.n_embd,
        "n_positions": c.n_positions,
        "n_ctx": c.n_positions,
        "bos_token_id": EOT,
        "eos_token_id": EOT,
        "pad_token_id": PAD,
        "use_cache": True,
        "tie_word_embeddings": True,
        "tandem": {
            "position_encoding": "alibi",
            "trained_context": c.train_ctx,
            "fim_format": FIM_FORMAT,
            "fim_tokens": {s: i for i, s in enumerate(SPECIAL_TOKENS)},
        },
    })
    _write_json(os.path.join(out_dir, "generation_config.json"), {
        "bos_token_id": EOT, "eos_token_id": EOT, "pad_token_id": PAD, "max_new_tokens": 64,
        "bad_words_ids": [[t] for t in NEVER_GENERATED],
    })
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    _write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config(c.n_positions))


def write_t5_configs(model: Seq2Seq, tok: Tokenizer, out_dir: str) -> None:
    c = model.cfg
    _write_json(os.path.join(out_dir, "config.json"), {
        "model_type": "t5",
        "architectures": ["T5ForConditionalGeneration"],
        "is_encoder_decoder": True,
        "vocab_size": tok.vocab_size,
        "d_model": c.d_model,
        "d_kv": c.d_model // c.n_head,
        "d_ff": c.d_ff,
        "num_layers": c.n_enc,
        "num_decoder_layers": c.n_dec,
        "num_heads": c.n_head,
        "decoder_start_token_id": PAD,
        "bos_token_id": EOT,
        "eos_token_id": EOT,
        "pad_token_id": PAD,
        "use_cache": True,
        "tie_word_embeddings": True,
        "tandem": {
            "position_encoding": f"learned absolute ({c.n_src_positions} source, {c.n_tgt_positions} target) + ALiBi",
            "max_source_tokens": c.max_source,
            "max_target_tokens": c.max_target,
            "cross_attention_cache": "recomputed each step from encoder_hidden_states",
        },
    })
    _write_json(os.path.join(out_dir, "generation_config.json"), {
        "decoder_start_token_id": PAD, "bos_token_id": EOT, "eos_token_id": EOT, "pad_token_id": PAD,
        "max_new_tokens": c.max_target, "no_repeat_ngram_size": NO_REPEAT_NGRAM,
    })
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    _write_json(os.path.join(out_dir, "tokenizer_config.json"), tokenizer_config(c.max_source))
