"""Plate candidates in kept vehicle crops: found on the plate, cut with margin, best crops first."""

from __future__ import annotations

import numpy as np

from synth.scenes import VehicleSpec, car_sprite, moto_sprite, plate_in_sprite
from vision.evidence import PlateShot, _evidence_crop, plate_candidates, select_plates


def _spec(kind: str, style: str, colour: tuple[int, int, int]) -> VehicleSpec:
    helmets = (True,) if kind == "motorcycle" else ()
    return VehicleSpec(1, kind, "runner", "LEA132293", style, colour, ((0, 0.5, 1.0),), helmets)


def _crop(kind: str, style: str, colour: tuple, width: int, seed: int) -> tuple:
    """Return a vehicle crop as the pipeline keeps it (sprite on asphalt) and its plate box."""
    v = _spec(kind, style, colour)
    draw = moto_sprite if kind == "motorcycle" else car_sprite
    img, mask = draw(v, width, np.random.default_rng(seed))
    crop = np.where(mask[..., None] > 127, img, np.uint8(98)).astype(np.uint8)
    return crop, plate_in_sprite(v, img.shape[1], img.shape[0])


def _inside_share(box: tuple, truth: tuple) -> float:
    ix = max(0, min(box[0] + box[2], truth[0] + truth[2]) - max(box[0], truth[0]))
    iy = max(0, min(box[1] + box[3], truth[1] + truth[3]) - max(box[1], truth[1]))
    return ix * iy / (truth[2] * truth[3])


def test_candidates_hold_the_whole_plate_of_cars_and_motorcycles() -> None:
    cases = [
        ("car", "sindh", (235, 235, 235), 180),
        ("car", "punjab", (30, 30, 160), 240),
        ("motorcycle", "punjab", (60, 60, 60), 100),
        ("motorcycle", "ict", (170, 170, 175), 80),
    ]
    for seed, (kind, style, colour, width) in enumerate(cases):
        crop, truth = _crop(kind, style, colour, width, seed)
        best = plate_candidates(crop, kind, _find_plates())[0]
        x, y, w, h = best.box
        assert _inside_share(best.box, truth) >= 0.9, (kind, style, best.box, truth)
        assert w * h <= 1.6 * truth[2] * truth[3], (kind, style, best.box, truth)
        assert np.array_equal(best.crop, crop[y : y + h, x : x + w])


def test_without_a_localiser_the_prior_region_is_read() -> None:
    crop, truth = _crop("car", "sindh", (40, 40, 160), 200, 1)
    (only,) = plate_candidates(crop, "car")
    assert _inside_share(only.box, truth) == 1.0


def test_shots_come_from_the_biggest_crops_first() -> None:
    crops = [
        (w * h, frame, crop)
        for frame, (crop, _) in enumerate(
            _crop("car", "karachi", (150, 90, 30), w, 2) for w in (120, 200, 160)
        )
        for h, w in [crop.shape[:2]]
    ]
    shots = select_plates(crops, "car")
    assert [s.frame for s in shots][:3] == [1, 2, 0]


def _find_plates():  # noqa: ANN202
    from ocr.localize import find_plates

    return find_plates


def test_a_vehicle_without_a_plate_gives_nothing_to_read() -> None:
    v = _spec("car", "sindh", (40, 40, 160))
    img, mask = car_sprite(v, 200, np.random.default_rng(4))
    x, y, w, h = plate_in_sprite(v, img.shape[1], img.shape[0])
    img[y : y + h, x : x + w] = (40, 40, 160)  # paint the plate over: a bare bumper
    crop = np.where(mask[..., None] > 127, img, np.uint8(98)).astype(np.uint8)
    assert plate_candidates(crop, "car", _find_plates()) == []


def test_the_evidence_crop_is_the_most_confident_agreeing_read() -> None:
    from ocr.reader import make_read

    shots = [PlateShot(f, (0, 0, 2, 1), np.full((1, 2, 3), f, np.uint8), 0.9) for f in range(3)]
    reads = [
        make_read("AB123", (0.9,) * 5, 0.99, None),
        make_read("AB128", (0.9,) * 5, 0.6, None),
        make_read("AB128", (0.9,) * 5, 0.8, None),
    ]
    assert _evidence_crop(shots, reads, "AB128") is shots[2].crop
    assert _evidence_crop(shots, reads, "ZZ999") is shots[0].crop


def test_a_riders_plate_is_found_at_night() -> None:
    for seed, style in enumerate(("sindh", "punjab", "ict")):
        crop, truth = _crop("motorcycle", style, (60, 110, 60), 90, seed)
        night = (crop.astype(np.float32) * 0.38).astype(np.uint8)
        shots = plate_candidates(night, "motorcycle", _find_plates())
        assert shots, style
        assert _inside_share(shots[0].box, truth) >= 0.9, (style, shots[0].box, truth)
