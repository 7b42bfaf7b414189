"""Read plate crops with the project's own model through fast-plate-ocr, and vote across frames.

`PlateReader.default()` loads the committed model (`ocr/models/`), never downloads anything and
runs fast-plate-ocr's `LicensePlateRecognizer` on CPU onnxruntime, batched. Confidence is the
product of the per-slot probabilities of every decoded slot, trailing pad slots included, so a
read whose length is uncertain is not confident either.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import cv2
import numpy as np

from ocr import plates
from rules.errors import InvalidInput

if TYPE_CHECKING:
    from fast_plate_ocr import LicensePlateRecognizer

log = logging.getLogger(__name__)

MODELS = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = "pk_plate_cnn"
# A localiser's box is good to a few percent of the plate. A read that changes when the box moves
# by that much is no read to issue a challan on unreviewed, so evidence is read from the crop and
# from copies with the box moved (`jittered`) and the reads are voted. Chosen once on pk-dev's
# train part read by a model that never saw it, and on synthetic crops (ocr/models/RECIPE.md).
JITTER_X, JITTER_Y = 0.04, 0.06  # of the crop's width and height
JITTER_COPIES = 5
ImageLike = np.ndarray | str | Path
K = TypeVar("K")


class UnreadableImage(InvalidInput):
    """An image file that is missing or cannot be decoded."""


@dataclass(frozen=True)
class PlateRead:
    """One plate read: text in reading order (upper case, no separators) and how sure we are."""

    text: str
    display: str | None  # display form (`LEA-13-2293`), None when the text fits no layout
    confidence: float  # product of all slot probabilities, pad slots included
    char_confidences: tuple[float, ...]  # one per character of `text`
    valid: bool  # fits a Pakistani layout (after at most one look-alike swap)
    raw: str = ""  # what the model read, before any look-alike swap
    region: str | None = None  # layout the model saw (a key of ocr.plates.LAYOUTS)
    # The model's chance that it skipped no character (its pad slots' probability; 1.0 for a
    # model that does not say). Part of `confidence`, kept apart so votes can carry it.
    completeness: float = 1.0


def load_image(image: ImageLike) -> np.ndarray:
    """Return a BGR or grayscale array for an array or an image file path."""
    if isinstance(image, np.ndarray):
        if image.ndim not in (2, 3) or image.size == 0:
            raise InvalidInput(f"not an image array: shape {image.shape}")
        return image
    path = Path(image)
    if not path.is_file():
        raise UnreadableImage(f"no such image file: {path}")
    decoded = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if decoded is None:
        raise UnreadableImage(f"cannot decode image: {path}")
    return decoded


def to_gray(image: np.ndarray) -> np.ndarray:
    """Return the single-channel image the model reads (it was trained on BGR->gray)."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[..., 0]
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


class PlateReader:
    """Batched plate recognition on plate crops."""

    def __init__(self, model: Path, config: Path, threads: int = 1, batch_size: int = 64) -> None:
        import onnxruntime as ort
        from fast_plate_ocr import LicensePlateRecognizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.recognizer: LicensePlateRecognizer = LicensePlateRecognizer(
            onnx_model_path=model, plate_config_path=config, device="cpu", sess_options=options
        )
        self.batch_size = batch_size
        self.pad = self.recognizer.config.pad_char

    @classmethod
    def default(cls, threads: int = 1) -> PlateReader:
        """Load the model committed in ocr/models."""
        return cls.from_model(None, threads)

    @classmethod
    def from_model(cls, model: Path | str | None, threads: int = 1) -> PlateReader:
        """Load the ONNX model at `model` (path or stem) with the plate config (.yaml) beside it.

        None loads the committed model.
        """
        stem = Path(model) if model else MODELS / DEFAULT_MODEL
        return cls(stem.with_suffix(".onnx"), stem.with_suffix(".yaml"), threads)

    def read(self, images: Sequence[ImageLike]) -> list[PlateRead]:
        """Read each plate crop (BGR array, grayscale array or file path), in order."""
        grays = [to_gray(load_image(image)) for image in images]
        reads: list[PlateRead] = []
        for start in range(0, len(grays), self.batch_size):
            reads.extend(self._read_batch(grays[start : start + self.batch_size]))
        return reads

    def read_steady(self, images: Sequence[ImageLike]) -> list[PlateRead]:
        """Read each crop as cut and with its box moved (`jittered`); vote each crop's reads."""
        reads = self.read([copy for image in images for copy in jittered(load_image(image))])
        groups = [reads[i : i + JITTER_COPIES] for i in range(0, len(reads), JITTER_COPIES)]
        return [vote(group) or group[0] for group in groups]

    def _read_batch(self, grays: list[np.ndarray]) -> list[PlateRead]:
        """Run the recogniser on one batch and turn its predictions into reads."""
        predictions = self.recognizer.run(grays, return_confidence=True, remove_pad_char=False)
        return [self._to_read(p.plate, p.char_probs, p.region) for p in predictions]

    def _to_read(self, slots: str, probs: np.ndarray, region: str | None) -> PlateRead:
        """Build a PlateRead from decoded slots (pads included) and their probabilities."""
        kept = [(c, float(p)) for c, p in zip(slots, probs, strict=True) if c != self.pad]
        raw = "".join(c for c, _ in kept)
        pads = [float(p) for c, p in zip(slots, probs, strict=True) if c == self.pad]
        return make_read(
            raw, tuple(p for _, p in kept), float(np.prod(probs)), region, float(np.prod(pads))
        )


def jittered(crop: np.ndarray) -> list[np.ndarray]:
    """Return the crop and JITTER_COPIES - 1 copies with its box moved by a few percent.

    The copies: the box grown by JITTER_X of the width and JITTER_Y of the height on every side
    (edge pixels repeated); shrunk by half that; and the grown box with its right margin cut
    off, or its top and left margins (shifted right and down).
    """
    h, w = crop.shape[:2]
    dx, dy = max(1, round(JITTER_X * w)), max(1, round(JITTER_Y * h))
    grown = cv2.copyMakeBorder(crop, dy, dy, dx, dx, cv2.BORDER_REPLICATE)
    shrunk = crop[dy // 2 : h - dy // 2, dx // 2 : w - dx // 2]
    return [crop, grown, shrunk, grown[:, : w + dx], grown[dy:, dx:]]


def make_read(
    raw: str,
    char_confidences: tuple[float, ...],
    confidence: float,
    region: str | None,
    completeness: float = 1.0,
) -> PlateRead:
    """Check raw text against the plate rules and wrap it as a PlateRead."""
    checked = plates.parse(raw, region)
    return PlateRead(
        text=checked.text,
        display=checked.display,
        confidence=confidence,
        char_confidences=char_confidences,
        valid=checked.valid,
        raw=raw,
        region=region,
        completeness=completeness,
    )


def vote(reads: Sequence[PlateRead]) -> PlateRead | None:
    """Combine reads of one vehicle across frames by per-slot confidence-weighted voting."""
    reads = [r for r in reads if r.raw or r.text]
    if not reads:
        return None
    length = _weighted_winner((len(_raw(r)), r.confidence) for r in reads)
    same = [r for r in reads if len(_raw(r)) == length]
    chars, confs = [], []
    for slot in range(length):
        weights: dict[str, float] = defaultdict(float)
        for r in same:
            weights[_raw(r)[slot]] += r.char_confidences[slot]
        winner = max(weights, key=weights.__getitem__)
        chars.append(winner)
        confs.append(weights[winner] / len(same))  # agreement-weighted mean confidence
    region = _weighted_winner((r.region, r.confidence) for r in same)
    complete = float(np.mean([r.completeness for r in same]))
    voted = make_read(
        "".join(chars), tuple(confs), float(np.prod(confs)) * complete, region, complete
    )
    return replace(voted, confidence=voted.confidence * agreement(reads, voted.text))


def agreement(reads: Sequence[PlateRead], text: str) -> float:
    """Return how much of the plate evidence among `reads` shows the plate `text`: 0 to 1.

    Slots are voted among reads of the winning length only, so without this a read of another
    length would cost the vote nothing: a track that jumps from one vehicle to another reads two
    plates (rendered junction, seed 980016: four reads of `W019` and four of `IW201606` voted
    `IW-20-1606` at 0.956, above the auto-issue floor), and a frame that saw a character the
    others skipped is outvoted unheard. A read counts against `text` only if it is itself a valid
    plate, since the localiser also hands over fragments (`NKR` of `NKR75`, a sticker's `CD`).
    Each read weighs its confidence; reads compare as plate text, after the plate rules.
    """
    showing = against = 0.0
    for read in reads:
        if read.text == text:
            showing += read.confidence
        elif read.valid:
            against += read.confidence
    total = showing + against
    return showing / total if total > 0 else 0.0


def _raw(read: PlateRead) -> str:
    """Return the model's own characters for a read (those the confidences belong to)."""
    return read.raw or read.text


def _weighted_winner(pairs: Iterable[tuple[K, float]]) -> K:
    """Return the key with the largest summed weight from (key, weight) pairs."""
    totals: dict[K, float] = defaultdict(float)
    for key, weight in pairs:
        totals[key] += weight
    return max(totals, key=totals.__getitem__)
