"""Finding vehicles and riders in frames: background subtraction by default, or a YOLO ONNX."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from vision.onnx import cpu_session

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Detection:
    """One object found in a frame: box in frame pixels, confidence, class label."""

    bbox: Box
    score: float = 1.0
    label: str = "vehicle"


class Detector(Protocol):
    """Anything that finds objects in a BGR frame (frames arrive in order)."""

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Return the objects in this frame."""
        ...


@dataclass(frozen=True)
class BackgroundSettings:
    """Background subtraction and blob filtering for a fixed camera."""

    work_width: int = 320  # frames are shrunk by an integer factor to about this width
    var_threshold: float = 24.0
    absorb_s: float = 20.0  # a motionless object fades into the background after about this
    warmup_s: float = 1.0  # learn fast at first, while the model has seen little
    min_area: float = 0.0015  # of the frame area
    min_side: float = 0.02  # of the frame height
    scene_change: float = 0.4  # foreground share of the frame that means the view itself changed
    gain_refresh_s: float = 1.0  # how often the exposure reference follows the background model


def exposure_gain(frame: np.ndarray, reference: np.ndarray) -> float:
    """Return the global brightness ratio of a frame to the background (robust to vehicles).

    The median of per-pixel ratios over a sparse grid ignores whatever covers less than half of
    the frame, so vehicles arriving or leaving do not move it; only a change of the whole view
    (exposure, gain) does. Near-black and blown-out pixels carry no ratio and are skipped.
    """
    f = frame[::4, ::4].astype(np.float32).ravel()
    r = reference[::4, ::4].astype(np.float32).ravel()
    usable = (r > 24) & (r < 232) & (f < 250)
    if usable.sum() < 0.1 * r.size:
        return 1.0
    return float(np.median(f[usable] / r[usable]))


class BackgroundDetector:
    """MOG2 background subtraction with morphology and blob filtering (fixed cameras)."""

    def __init__(
        self,
        fps: float,
        frame_size: tuple[int, int],
        ignore: Sequence[Box] = (),
        settings: BackgroundSettings | None = None,
    ) -> None:
        self.s = settings or BackgroundSettings()
        w, h = frame_size
        # Integer factors keep INTER_AREA on its fast path (a 720p frame shrinks in ~1 ms).
        factor = max(1, round(w / self.s.work_width))
        self.work = (w // factor, h // factor)
        self.scale = self.work[0] / w
        self.mog = cv2.createBackgroundSubtractorMOG2(500, self.s.var_threshold, False)
        self.rate = 1 - 0.9 ** (1 / max(1.0, self.s.absorb_s * fps))
        self.warmup = int(self.s.warmup_s * fps)
        self.frame_index = 0
        self.reference: np.ndarray | None = None  # background (work size) exposure is measured on
        self.refresh = max(1, round(self.s.gain_refresh_s * fps))
        self.changes = 0
        self.ignore = [tuple(round(v * self.scale) for v in box) for box in ignore]
        self.open_k = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
        self.close_k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))

    def shrink(self, frame: np.ndarray) -> np.ndarray:
        """Return a frame at working size."""
        return cv2.resize(frame, self.work, interpolation=cv2.INTER_AREA)

    def seed(self, samples: Sequence[np.ndarray]) -> None:
        """Start the model from the per-pixel median of frames sampled across the whole clip.

        A vehicle waiting at the start of the clip and leaving before its middle is then
        foreground, not background (MOG2 alone learns it as road and sees a ghost where it
        stood). The model needs no warm-up: its variance is the samples' noise about the median.
        """
        if not samples:
            return
        smalls = np.stack([self.shrink(f) for f in samples])
        median = np.median(smalls, axis=0).astype(np.uint8)
        # The sensor's noise, as a warm-up would have learnt it: most pixels are still road.
        diff = smalls[:, ::2, ::2].astype(np.int32) - median[::2, ::2]
        noise = float(np.median(diff * diff))
        default = self.mog.getVarInit()
        self.mog.setVarInit(min(default, max(self.mog.getVarMin(), noise)))
        self.mog.apply(median, learningRate=1.0)
        self.mog.setVarInit(default)
        self.reference = median
        self.frame_index = self.warmup + 1

    def _steady(self, small: np.ndarray) -> np.ndarray:
        """Undo the camera's automatic gain: scale the frame to the background's exposure."""
        if self.reference is None:
            self.reference = small
        elif self.frame_index % self.refresh == 0:
            # Slow changes (clouds, dusk) are the model's job: follow what it has learnt.
            self.reference = self.mog.getBackgroundImage()
        gain = exposure_gain(small, self.reference)
        if abs(gain - 1.0) < 0.02:
            return small
        return cv2.convertScaleAbs(small, alpha=1.0 / gain)

    def foreground(self, frame: np.ndarray) -> np.ndarray:
        """Return the cleaned foreground mask at working size."""
        small = self._steady(self.shrink(frame))
        # While warming up the model is a running average of the frames seen so far.
        rate = (
            max(self.rate, 1.0 / (self.frame_index + 1))
            if self.frame_index < self.warmup
            else self.rate
        )
        mask = self.mog.apply(small, learningRate=rate)
        self.frame_index += 1
        if (
            self.frame_index > self.warmup
            and cv2.countNonZero(mask) > self.s.scene_change * mask.size
        ):
            # The whole view changed (camera moved, white balance jumped): learn it afresh.
            self.frame_index = 0
            self.reference = None
            self.changes += 1
            return np.zeros_like(mask)
        for x, y, w, h in self.ignore:
            mask[y : y + h, x : x + w] = 0
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self.open_k)
        return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self.close_k)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Return the moving blobs large enough to be vehicles, in frame pixels."""
        mask = self.foreground(frame)
        if self.frame_index <= self.warmup // 2:
            return []
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        area_min = self.s.min_area * self.work[0] * self.work[1]
        side_min = self.s.min_side * self.work[1]
        found = []
        for x, y, w, h, area in stats[1:count]:
            if area >= area_min and min(w, h) >= side_min:
                box = (x / self.scale, y / self.scale, w / self.scale, h / self.scale)
                found.append(Detection(tuple(int(round(v)) for v in box), float(area / (w * h))))
        return found


def letterbox(frame: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Resize keeping aspect into a size x size grey canvas; return it, the scale and padding."""
    h, w = frame.shape[:2]
    scale = size / max(h, w)
    nw, nh = round(w * scale), round(h * scale)
    canvas = np.full((size, size, 3), 114, np.uint8)
    px, py = (size - nw) // 2, (size - nh) // 2
    canvas[py : py + nh, px : px + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas, scale, (px, py)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    """Return indices kept by greedy non-maximum suppression on (x, y, w, h) boxes."""
    keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), 0.0, iou)
    return sorted(np.array(keep).reshape(-1).tolist(), key=lambda i: -scores[i])


class OnnxYoloDetector:
    """A deployment's own YOLO-format ONNX detector (output (1, 4 + classes, anchors), v8 style)."""

    def __init__(
        self,
        model_path: Path | str,
        labels: Sequence[str] = ("vehicle",),
        size: int = 640,
        score_threshold: float = 0.35,
        iou_threshold: float = 0.5,
        threads: int = 1,
    ) -> None:
        self.session = cpu_session(model_path, threads)
        self.input = self.session.get_inputs()[0].name
        self.labels, self.size = tuple(labels), size
        self.score_threshold, self.iou_threshold = score_threshold, iou_threshold

    def preprocess(self, frame: np.ndarray) -> tuple[np.ndarray, float, tuple[int, int]]:
        """Letterbox a BGR frame into the model's RGB float NCHW input."""
        canvas, scale, pad = letterbox(frame, self.size)
        blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
        return np.ascontiguousarray(blob), scale, pad

    def _rows(self, output: np.ndarray) -> np.ndarray:
        """Return (anchors, 4 + classes) rows from a (1, 4 + C, N) or (1, N, 4 + C) output."""
        width = 4 + len(self.labels)
        if output.shape[1] == width and output.shape[2] != width:
            return output[0].T
        if output.shape[2] == width:
            return output[0]
        return output[0].T if output.shape[1] < output.shape[2] else output[0]

    def postprocess(
        self, output: np.ndarray, scale: float, pad: tuple[int, int], frame_size: tuple[int, int]
    ) -> list[Detection]:
        """Decode (cx, cy, w, h, class scores...) rows, undo the letterbox, apply NMS."""
        rows = self._rows(output)
        scores = rows[:, 4:].max(axis=1)
        classes = rows[:, 4:].argmax(axis=1)
        sel = scores >= self.score_threshold
        rows, scores, classes = rows[sel], scores[sel], classes[sel]
        if not len(rows):
            return []
        xywh = np.stack(
            [rows[:, 0] - rows[:, 2] / 2, rows[:, 1] - rows[:, 3] / 2, rows[:, 2], rows[:, 3]],
            axis=1,
        )
        xywh[:, 0] = (xywh[:, 0] - pad[0]) / scale
        xywh[:, 1] = (xywh[:, 1] - pad[1]) / scale
        xywh[:, 2:] /= scale
        return [
            self._detection(xywh[i], scores[i], classes[i], frame_size)
            for i in nms(xywh, scores, self.iou_threshold)
        ]

    def _detection(
        self, xywh: np.ndarray, score: float, cls: int, size: tuple[int, int]
    ) -> Detection:
        """Clip a decoded box to the frame and wrap it."""
        x0, y0 = max(0.0, xywh[0]), max(0.0, xywh[1])
        x1, y1 = min(size[0], xywh[0] + xywh[2]), min(size[1], xywh[1] + xywh[3])
        label = self.labels[cls] if cls < len(self.labels) else str(cls)
        box = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
        return Detection(box, float(score), label)

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """Run the model on one frame."""
        blob, scale, pad = self.preprocess(frame)
        output = self.session.run(None, {self.input: blob})[0]
        return self.postprocess(output, scale, pad, (frame.shape[1], frame.shape[0]))
