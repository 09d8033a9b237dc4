"""quantize.py: weight-only int8 of an ONNX graph (needs onnx and numpy, not torch)."""
from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="install requirements.txt")
onnx = pytest.importorskip("onnx", reason="quantize.py rewrites ONNX graphs; install requirements.txt")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from quantize import quantize_file  # noqa: E402


def test_matmul_weights_become_int8_with_per_column_scales(tmp_path):
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((64, 128)) * np.linspace(0.01, 2, 128)).astype(np.float32)  # columns of different size
    norm = np.ones((1, 128), dtype=np.float32)  # small: stays float
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"]), helper.make_node("Mul", ["y", "norm"], ["z"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 128])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(norm, "norm")],
    )
    src, dst = tmp_path / "m.onnx", tmp_path / "m.q8.onnx"
    onnx.save(helper.make_model(graph), str(src))

    stats = quantize_file(str(src), str(dst))
    assert stats["quantized"] == 1 and stats["kept_float"] == 1

    out = onnx.load(str(dst))
    onnx.checker.check_model(out)
    inits = {i.name: numpy_helper.to_array(i) for i in out.graph.initializer}
    q = next(a for a in inits.values() if a.dtype == np.int8)
    scale = next(a for a in inits.values() if a.dtype == np.float32 and a.shape == (128,))
    assert q.shape == w.shape and np.abs(q).max() == 127
    # per output column: each column's error is at most half its own step
    err = np.abs(q.astype(np.float32) * scale[None, :] - w)
    assert (err <= scale[None, :] / 2 + 1e-7).all()
    dq = [n for n in out.graph.node if n.op_type == "DequantizeLinear"]
    matmul = next(n for n in out.graph.node if n.op_type == "MatMul")
    assert len(dq) == 1 and matmul.input[1] == dq[0].output[0]
