"""Camera augmentation for plate crops: what a junction camera does to a clean plate.

Training only. Takes a clean BGR plate (from `synth.render`) or a real crop and returns a BGR crop
as the localiser would hand it to the recogniser: loosely cropped, tilted, blurred, dim or
glaring, noisy, JPEG-compressed, sometimes dirty, sometimes tiny (down to 40x20 px).
"""

from __future__ import annotations

import cv2
import numpy as np

from synth import render

Rng = np.random.Generator


def synthetic_sample(rng: Rng, look: render.Look) -> tuple[np.ndarray, str, str]:
    """Return (augmented BGR crop, plate text, style) for one random synthetic plate."""
    text, style = render.random_plate(rng)
    plate = render.render_plate(text, style, rng, look)
    return augment(plate, rng, synthetic=True), text, style


def augment(plate: np.ndarray, rng: Rng, synthetic: bool) -> np.ndarray:
    """Apply a random chain of camera effects to a plate image."""
    image = _place_and_warp(_resolution(plate, rng), rng, margin=0.12 if synthetic else 0.04)
    image = _blur(image, rng)
    if synthetic and rng.random() < 0.35:
        image = _weather(image, rng)
    image = _lighting(image, rng)
    if rng.random() < 0.25:
        image = _dirt(image, rng)
    image = _noise(image, rng)
    return _jpeg(image, rng)


def _background(h: int, w: int, rng: Rng) -> np.ndarray:
    """Return a random car-body/bumper-like background."""
    base = rng.integers(0, 256, size=3)
    image = np.empty((h, w, 3), np.uint8)
    image[:] = base
    small = _noise_like((h // 8 + 1, w // 8 + 1, 3), rng)
    noise = cv2.resize(small * rng.uniform(2, 25), (w, h))
    return np.clip(image + noise, 0, 255).astype(np.uint8)


def _place_and_warp(plate: np.ndarray, rng: Rng, margin: float) -> np.ndarray:
    """Tilt the plate in perspective on a background and crop loosely around it."""
    h, w = plate.shape[:2]
    pad = int(0.25 * h)
    canvas = _background(h + 2 * pad, w + 2 * pad, rng)
    canvas[pad : pad + h, pad : pad + w] = plate
    corners = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]])
    moved = corners + rng.normal(0, 0.035 * h, size=(4, 2)).astype(np.float32)
    angle = np.deg2rad(rng.normal(0, 2.5))
    centre = corners.mean(axis=0)
    rot = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = (moved - centre) @ rot.T + centre
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(canvas, matrix, size, borderMode=cv2.BORDER_REPLICATE)
    return _loose_crop(warped, moved, rng, margin)


def _loose_crop(image: np.ndarray, quad: np.ndarray, rng: Rng, margin: float) -> np.ndarray:
    """Crop the plate's bounding box with a few percent of jitter on each side."""
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    bw, bh = x1 - x0, y1 - y0
    dx = rng.uniform(-0.03, margin, size=2) * bw
    dy = rng.uniform(-0.04, margin * 1.2, size=2) * bh
    left, right = int(max(0, x0 - dx[0])), int(min(image.shape[1], x1 + dx[1]))
    top, bottom = int(max(0, y0 - dy[0])), int(min(image.shape[0], y1 + dy[1]))
    return image[top:bottom, left:right]


def _weather(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Fade and tint the plate as sun and dust do to old paint."""
    tint = np.array(rng.uniform([40, 80, 110], [120, 160, 200]), np.float32)
    alpha = rng.uniform(0.15, 0.5)
    faded = image.astype(np.float32) * (1 - alpha) + tint * alpha
    return np.clip(faded, 0, 255).astype(np.uint8)


def _lighting(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Change brightness, contrast, gamma and colour cast; sometimes night, glare or shadow."""
    levels = np.linspace(0, 1, 256, dtype=np.float32)[:, None]
    curve = levels ** rng.uniform(0.6, 1.6) * rng.uniform(0.6, 1.25) + rng.uniform(-0.15, 0.15)
    curve = curve * rng.uniform(0.85, 1.15, size=3).astype(np.float32)
    if rng.random() < 0.15:
        curve = curve * rng.uniform(0.15, 0.4)  # night: dark, the noise step adds the grain
    lut = (np.clip(curve, 0, 1) * 255).astype(np.uint8).reshape(256, 1, 3)
    out = cv2.LUT(image, lut)
    if rng.random() < 0.3:
        gain = _glare(out.shape[:2], rng) if rng.random() < 0.5 else _shadow(out.shape[:2], rng)
        out = np.clip(out * gain[..., None], 0, 255).astype(np.uint8)
    return out


def _glare(shape: tuple[int, ...], rng: Rng) -> np.ndarray:
    """Return a gain map with a soft bright blob (headlight or sun reflection)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    sigma = rng.uniform(0.1, 0.4) * w
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2))
    return 1.0 + rng.uniform(0.5, 2.0) * blob


def _shadow(shape: tuple[int, ...], rng: Rng) -> np.ndarray:
    """Return a multiplier darkening one side of a random straight edge."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, np.pi)
    side = (xx - rng.uniform(0, w)) * np.cos(angle) + (yy - rng.uniform(0, h)) * np.sin(angle)
    return np.where(side > 0, rng.uniform(0.35, 0.75), 1.0).astype(np.float32)


def _dirt(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Splash a few semi-transparent mud spots and scratches."""
    out = image.copy()
    h, w = out.shape[:2]
    for _ in range(int(rng.integers(3, 15))):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        radius = int(rng.integers(1, max(2, h // 12)))
        colour = tuple(int(c) for c in rng.integers(30, 120, size=3))
        cv2.circle(out, centre, radius, colour, -1, cv2.LINE_AA)
    alpha = rng.uniform(0.3, 0.8)
    return cv2.addWeighted(out, alpha, image, 1 - alpha, 0)


def _blur(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Defocus or motion-blur the crop."""
    roll = rng.random()
    if roll < 0.3:
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.1))
    if roll < 0.5:
        return _motion_blur(image, rng)
    return image


def _motion_blur(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Smear the crop along a random direction, as a moving vehicle does."""
    size = int(rng.integers(3, 7))
    kernel = np.zeros((size, size), np.float32)
    kernel[size // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), rng.uniform(0, 180), 1.0)
    kernel = cv2.warpAffine(kernel, rot, (size, size))
    return cv2.filter2D(image, -1, kernel / max(kernel.sum(), 1e-6))


def _resolution(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Shrink the plate to a random camera resolution (as small as 40x20 px).

    Plates cut from 720p junction frames are 40-90 px wide, so a third of the samples come from
    that range; the rest from the 90-230 px of close-up cameras and the pk-dev crops.
    """
    h, w = image.shape[:2]
    width = int(rng.uniform(40, 90) if rng.random() < 0.33 else rng.uniform(90, 230))
    height = max(20, round(width * h / w * rng.uniform(0.9, 1.1)))
    if width >= w:
        return image
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


def _noise_bank() -> np.ndarray:
    """Return a fixed block of unit Gaussian noise to take slices of (drawing it is slow)."""
    global _NOISE
    if _NOISE is None:
        _NOISE = np.random.default_rng(0).standard_normal((640, 640, 3), dtype=np.float32)
    return _NOISE


_NOISE: np.ndarray | None = None


def _noise_like(shape: tuple[int, ...], rng: Rng) -> np.ndarray:
    """Return unit Gaussian noise of the image's shape from a random place in the bank."""
    bank = _noise_bank()
    h, w = shape[:2]
    y, x = int(rng.integers(0, bank.shape[0] - h)), int(rng.integers(0, bank.shape[1] - w))
    return bank[y : y + h, x : x + w, : shape[2] if len(shape) == 3 else 1].reshape(shape)


def _noise(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Add sensor noise."""
    sigma = rng.uniform(0, 12) if rng.random() < 0.7 else rng.uniform(12, 25)
    noisy = image + sigma * _noise_like(image.shape, rng)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _jpeg(image: np.ndarray, rng: Rng) -> np.ndarray:
    """Round-trip through JPEG at a random quality."""
    quality = int(rng.integers(20, 96))
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else image
