"""The citizen's copy of a frame keeps the offender's box sharp and blurs the bystanders."""

from __future__ import annotations

import cv2
import numpy as np

from echallan.citizens.evidence import citizen_copy, offender_box


def annotated_frame() -> np.ndarray:
    """A frame with a bystander's grey box and track number and the offender's red box."""
    rng = np.random.default_rng(7)
    img = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
    cv2.rectangle(img, (40, 200), (140, 280), (200, 200, 200), 1)
    cv2.putText(img, "#7", (40, 197), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    cv2.rectangle(img, (400, 150), (560, 300), (0, 0, 255), 3)
    return img


def test_the_offender_stays_sharp_and_the_bystander_is_blurred() -> None:
    img = annotated_frame()
    assert offender_box(img) == (398, 148, 165, 155)  # the 3-pixel outline
    out = citizen_copy(img)
    assert np.array_equal(out[160:290, 410:550], img[160:290, 410:550])
    assert not np.array_equal(out[185:285, 35:145], img[185:285, 35:145])


def test_a_frame_without_the_red_box_is_blurred_but_its_caption() -> None:
    img = np.random.default_rng(1).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    out = citizen_copy(img)
    assert np.array_equal(out[:24], img[:24]) and not np.array_equal(out[30:], img[30:])
