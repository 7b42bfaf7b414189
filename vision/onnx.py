"""One way to open the project's small ONNX models on the CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def cpu_session(model_path: Path | str, threads: int = 1) -> Any:
    """Open an onnxruntime CPU session with `threads` intra-op threads and no inter-op pool.

    Analysis runs one clip per worker process, so each model gets one thread by default and the
    machine's cores go to parallel clips instead of to contended thread pools.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
