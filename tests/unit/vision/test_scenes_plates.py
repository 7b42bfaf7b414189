"""Ground-truth plate boxes of the scene synthesiser: where each plate is drawn, how much shows."""

from __future__ import annotations

import numpy as np

from synth.scenes import (
    VehicleSpec,
    _plate_image,
    _Renderer,
    car_sprite,
    plate_in_sprite,
    random_scene_spec,
)


def _car(style: str, view: str = "rear") -> VehicleSpec:
    return VehicleSpec(
        1, "car", "runner", "ABC123", style, (40, 40, 160), ((0, 0.5, 1.0),), (), view
    )


def test_plate_box_on_a_car_sprite_is_where_the_plate_is_pasted() -> None:
    for style in ("sindh", "government"):
        v = _car(style)
        img, _ = car_sprite(v, 220, np.random.default_rng(5))
        x, y, w, h = plate_in_sprite(v, img.shape[1], img.shape[0])
        plate = _plate_image(v, round(220 * 0.36), np.random.default_rng(5))
        assert (w, h) == plate.shape[1::-1]
        assert np.array_equal(img[y : y + h, x : x + w], plate)


def test_side_views_show_no_plate() -> None:
    assert plate_in_sprite(_car("sindh", "side"), 300, 100)[2:] == (0, 0)


def test_rendered_plates_lie_in_their_vehicles_and_hide_behind_others() -> None:
    spec = random_scene_spec(800011, size=(640, 360), occluder=True)
    renderer = _Renderer(spec)
    shares = []
    for index in range(0, 350, 5):
        _, boxes = renderer.frame(index)
        for vid, plate in renderer.plates.items():
            x, y, w, h = plate.box
            shares.append(plate.visible)
            if plate.visible == 1.0:
                bx, by, bw, bh = boxes[vid]
                assert bx <= x and by <= y and x + w <= bx + bw and y + h <= by + bh
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert min(shares) < 0.9 < max(shares)  # cut off at the frame edge or by a nearer vehicle
