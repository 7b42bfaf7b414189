"""Scene synthesiser: junction clips with ground truth, for tests, benchmarks and the demo.

A fixed camera looks up a three-lane road at a stop line and a signal head. Vehicles (cars and
motorcycles with riders and pillions, helmeted or not) carry Pakistani plates drawn by
`synth.render`. Their roles make the ground truth: red-light runners, green and amber crossers,
vehicles stopping at the line, wrong-way cars, turning vehicles, cross traffic; optional
occluding board and night lighting. Positions are normalised: x by frame width, y by height,
each vehicle's point being where it touches the road (bottom centre).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rules.signals import AMBER, GREEN, RED, Phase
from synth.render import SCENE_LOOK, random_plate, render_plate

Colour = tuple[int, int, int]
Waypoint = tuple[float, float, float]  # t_ms, x, y (normalised ground point)

LANES = 3
ROAD = (0.08, 0.92)
STOP_Y = 0.55
SIGNAL_ROI = (0.885, 0.04, 0.045, 0.2)
ENTRY_Y, EXIT_Y = 1.02, -0.05
CAR_W, MOTO_W = 0.34, 0.15  # sprite widths as a fraction of frame height, at scale 1
GAP = 0.33  # smallest distance between two vehicles' ground points in one lane
# A scene's signal cycle (green up to 4.5 s, amber up to 1.5 s, red, then green again) and its
# roles' timing windows need this long: shorter clips leave some windows empty.
MIN_DURATION_S = 10.0
BODY_COLOURS: tuple[Colour, ...] = (
    (235, 235, 235),
    (40, 40, 40),
    (170, 170, 175),
    (30, 30, 160),
    (150, 90, 30),
    (60, 110, 60),
    (200, 200, 210),
    (20, 60, 120),
    (90, 90, 95),
)
HELMET_COLOURS: tuple[Colour, ...] = (
    (25, 25, 25),
    (235, 235, 235),
    (30, 30, 190),
    (170, 80, 20),
    (20, 200, 230),
    (60, 60, 60),
)
SKIN: tuple[Colour, ...] = ((90, 130, 185), (70, 105, 150), (110, 150, 200), (60, 85, 125))
HAIR: tuple[Colour, ...] = ((20, 20, 25), (25, 35, 50), (15, 15, 15), (40, 40, 45))


@dataclass(frozen=True)
class VehicleSpec:
    """One vehicle: what it is, what plate it carries, how it moves and what it should cost."""

    vehicle_id: int
    kind: str  # car | motorcycle
    role: str  # runner, green, amber, stopper, wrong_way, turner, cross
    plate: str
    plate_style: str
    colour: Colour
    waypoints: tuple[Waypoint, ...]
    helmets: tuple[bool, ...] = ()  # per seat (rider, pillion) for motorcycles
    view: str = "rear"  # rear, front, side

    def position(self, t_ms: float) -> tuple[float, float] | None:
        """Return the ground point at t_ms, or None when the vehicle is not on the road."""
        pts = self.waypoints
        if t_ms < pts[0][0] or t_ms > pts[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in zip(pts, pts[1:], strict=False):
            if t0 <= t_ms <= t1:
                a = (t_ms - t0) / (t1 - t0) if t1 > t0 else 0.0
                return x0 + a * (x1 - x0), y0 + a * (y1 - y0)
        return pts[-1][1], pts[-1][2]


@dataclass(frozen=True)
class SceneSpec:
    """Everything needed to render one clip deterministically."""

    seed: int
    size: tuple[int, int]
    fps: int
    duration_ms: int
    phases: tuple[Phase, ...]
    vehicles: tuple[VehicleSpec, ...]
    night: bool = False
    occluder: bool = False
    amber_grace_ms: int = 500


@dataclass(frozen=True)
class TruthViolation:
    """An offence the scene was built to contain."""

    rule: str
    vehicle_id: int
    plate: str


@dataclass(frozen=True)
class PlateTruth:
    """Where a vehicle's plate is drawn in one frame, and how much of it can be seen."""

    box: tuple[int, int, int, int]  # x, y, w, h in the frame (may reach past its edges)
    visible: float  # share of the plate's pixels inside the frame and not hidden


@dataclass
class GroundTruth:
    """What is really in a rendered clip: camera file, metadata, boxes per frame, offences."""

    calibration: dict[str, Any]
    metadata: dict[str, Any]
    frames: int
    fps: int
    vehicles: tuple[VehicleSpec, ...]
    violations: tuple[TruthViolation, ...]
    boxes: dict[int, dict[int, tuple[int, int, int, int]]] = field(default_factory=dict)
    plates: dict[int, dict[int, PlateTruth]] = field(default_factory=dict)  # by vehicle, frame

    def write(self, clip_path: Path | str) -> tuple[Path, Path]:
        """Write CAM and META JSON files beside the clip; return their paths."""
        base = Path(clip_path)
        cam, meta = base.with_suffix(".camera.json"), base.with_suffix(".meta.json")
        cam.write_text(json.dumps(self.calibration, indent=1))
        meta.write_text(json.dumps(self.metadata, indent=1))
        return cam, meta


# --- specs -----------------------------------------------------------------------------------


def calibration_for(size: tuple[int, int], rules: tuple[str, ...] | None = None) -> dict:
    """Return the camera calibration JSON of the synthetic junction at a frame size."""
    w, h = size
    rx, ry, rw, rh = SIGNAL_ROI
    return {
        "camera_id": "SYN-0001",
        "frame_size": [w, h],
        "stop_line": [
            [round(ROAD[0] * w), round(STOP_Y * h)],
            [round(ROAD[1] * w), round(STOP_Y * h)],
        ],
        "approach": [0, -1],
        "signal_roi": [round(rx * w), round(ry * h), round(rw * w), round(rh * h)],
        "rules": list(rules or ("red_light", "wrong_way", "no_helmet")),
        "amber_grace_ms": 500,
    }


def random_phases(rng: np.random.Generator, duration_ms: int) -> tuple[Phase, ...]:
    """Return green, amber, red, green phases covering the clip."""
    green = int(rng.uniform(3000, 4500))
    amber = int(rng.uniform(900, 1500))
    red_end = min(duration_ms - 1500, green + amber + int(rng.uniform(5500, 7500)))
    return (
        Phase(GREEN, 0, green),
        Phase(AMBER, green, green + amber),
        Phase(RED, green + amber, red_end),
        Phase(GREEN, red_end, duration_ms),
    )


def lane_x(lane: int, offset: float = 0.0) -> float:
    """Return the normalised x of a lane's centre (plus a lateral offset in lane widths)."""
    width = (ROAD[1] - ROAD[0]) / LANES
    return ROAD[0] + (lane + 0.5 + offset) * width


def straight(x: float, t_cross: float, speed: float, aspect: float) -> tuple[Waypoint, ...]:
    """Drive up the lane at constant speed (height fractions per second) crossing at t_cross."""
    vy = speed / 1000 * aspect
    t_in = t_cross - (ENTRY_Y - STOP_Y) / vy
    t_out = t_cross + (STOP_Y - EXIT_Y) / vy
    return ((t_in, x, ENTRY_Y), (t_out, x, EXIT_Y))


def stopping(x: float, t_stop: float, t_go: float, gap: float, speed: float) -> tuple:
    """Drive up, stop `gap` before the line at t_stop, wait until t_go, then drive on."""
    vy = speed / 1000
    y_stop = STOP_Y + gap
    t_in = t_stop - (ENTRY_Y - y_stop) / vy
    t_out = t_go + (y_stop - EXIT_Y) / vy
    return ((t_in, x, ENTRY_Y), (t_stop, x, y_stop), (t_go, x, y_stop), (t_out, x, EXIT_Y))


def turning(x: float, t_cross: float, speed: float) -> tuple[Waypoint, ...]:
    """Cross the line at t_cross and turn right into the cross road."""
    vy = speed / 1000
    t_in = t_cross - (ENTRY_Y - STOP_Y) / vy
    return (
        (t_in, x, ENTRY_Y),
        (t_cross, x, STOP_Y),
        (t_cross + 500, x + 0.04, STOP_Y - 0.12),
        (t_cross + 1000, x + 0.16, STOP_Y - 0.22),
        (t_cross + 2200, 1.2, STOP_Y - 0.26),
    )


def _timing_window(role: str, phases: tuple[Phase, ...], grace: int) -> tuple[float, float]:
    """Return the window of crossing times that gives the role its intended outcome."""
    green, amber, red = phases[0], phases[1], phases[2]
    if role == "runner":
        return red.start_ms + grace + 500, red.end_ms - 400
    if role == "amber":
        return amber.start_ms + 150, red.start_ms + grace - 300
    if role in ("green", "turner"):
        return 1800, green.end_ms - 400
    return red.start_ms, red.end_ms


def _lawful(
    rng: np.random.Generator, role: str, spec: SceneSpec, lane: int, offset: float
) -> tuple[Waypoint, ...]:
    """Return the waypoints of a lawful-direction vehicle in the role."""
    lo, hi = _timing_window(role, spec.phases, spec.amber_grace_ms)
    speed = rng.uniform(0.38, 0.52)
    x = lane_x(lane, offset)
    if role == "stopper":
        red = spec.phases[2]
        t_stop = rng.uniform(red.start_ms + 300, red.start_ms + 2500)
        gap = rng.uniform(0.03, 0.08)
        return stopping(x, t_stop, red.end_ms + rng.uniform(300, 800), gap, speed)
    t_cross = rng.uniform(lo, max(lo, hi))
    if role == "turner":
        return turning(x, t_cross, speed)
    return straight(x, t_cross, speed, 1.0)


def _wrong_way(rng: np.random.Generator, spec: SceneSpec, lane: int) -> tuple[Waypoint, ...]:
    """Drive down the lane against the lawful direction."""
    speed = rng.uniform(0.3, 0.42) / 1000
    t_in = rng.uniform(300, spec.duration_ms - 4000)
    return (
        (t_in, lane_x(lane), EXIT_Y + 0.15),
        (t_in + (ENTRY_Y - EXIT_Y) / speed, lane_x(lane), 1.3),
    )


def _cross(rng: np.random.Generator, spec: SceneSpec) -> tuple[Waypoint, ...]:
    """Cross the junction from left to right (or back) beyond the stop line."""
    y = rng.uniform(0.2, 0.28)
    t_in = rng.uniform(spec.phases[2].start_ms, spec.phases[2].end_ms - 2500)
    left, right = (-0.25, 1.25) if rng.random() < 0.5 else (1.25, -0.25)
    return ((t_in, left, y), (t_in + rng.uniform(2500, 3500), right, y))


def _conflicts(a: tuple[Waypoint, ...], lane_a: int, b: VehicleSpec, lane_b: int) -> bool:
    """Tell whether two vehicles in one lane come closer than GAP at any moment."""
    if lane_a != lane_b:
        return False
    probe = VehicleSpec(0, "car", "", "", "", (0, 0, 0), a)
    t0, t1 = max(a[0][0], b.waypoints[0][0]), min(a[-1][0], b.waypoints[-1][0])
    for t in np.arange(t0 - 1500, t1 + 1500, 100):
        p, q = probe.position(t), b.position(t)
        if p and q and abs(p[1] - q[1]) < GAP and p[1] > 0.0 and q[1] > 0.0:
            return True
    return False


ROLE_MIX = (
    ("green", 3),
    ("amber", 1),
    ("runner", 2),
    ("stopper", 2),
    ("wrong_way", 1),
    ("turner", 1),
    ("cross", 1),
)


def _roles(rng: np.random.Generator) -> list[str]:
    """Draw the roles of a clip's vehicles: each role up to its count, at least one offence."""
    roles = [
        r for r, n in ROLE_MIX for _ in range(int(rng.integers(0 if r != "green" else 1, n + 1)))
    ]
    if not {"runner", "wrong_way"} & set(roles):
        roles.append("runner")
    return roles


def _vehicle(
    rng: np.random.Generator, vid: int, role: str, kind: str, waypoints: tuple, view: str
) -> VehicleSpec:
    """Dress a vehicle: plate, colour and, for motorcycles, riders' helmets."""
    plate, style = random_plate(rng)
    colour = BODY_COLOURS[int(rng.integers(len(BODY_COLOURS)))]
    helmets: tuple[bool, ...] = ()
    if kind == "motorcycle":
        helmets = (bool(rng.random() < 0.5),)
        if rng.random() < 0.35:
            helmets += (bool(rng.random() < 0.4),)
    return VehicleSpec(vid, kind, role, plate, style, colour, tuple(waypoints), helmets, view)


def _place(
    rng: np.random.Generator, role: str, spec: SceneSpec, placed: list[tuple[VehicleSpec, int]]
) -> tuple[tuple[Waypoint, ...], int] | None:
    """Find waypoints and a lane for the role that do not collide with vehicles placed so far."""
    for _ in range(25):
        lane = int(rng.integers(LANES))
        if role == "wrong_way":
            pts = _wrong_way(rng, spec, lane)
        elif role == "cross":
            return _cross(rng, spec), -1
        else:
            pts = _lawful(rng, role, spec, lane, rng.uniform(-0.12, 0.12))
        if pts[0][0] < 150:
            continue
        if not any(_conflicts(pts, lane, v, vl) for v, vl in placed):
            return pts, lane
    return None


def random_scene_spec(
    seed: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 25,
    duration_s: float = 14.0,
    night: bool | None = None,
    occluder: bool | None = None,
) -> SceneSpec:
    """Draw a junction scene: phases, roles, vehicles, plates, helmets, lighting."""
    if duration_s < MIN_DURATION_S:
        raise ValueError(f"a scene lasts at least {MIN_DURATION_S:g} s, not {duration_s:g} s")
    rng = np.random.default_rng(seed)
    duration = int(duration_s * 1000)
    base = SceneSpec(seed, size, fps, duration, random_phases(rng, duration), ())
    night = bool(rng.random() < 0.25) if night is None else night
    occluder = bool(rng.random() < 0.3) if occluder is None else occluder
    placed: list[tuple[VehicleSpec, int]] = []
    for role in _roles(rng):
        kind = "car" if role in ("wrong_way", "cross") or rng.random() < 0.5 else "motorcycle"
        found = _place(rng, role, base, placed)
        if found is None:
            continue
        view = {"wrong_way": "front", "cross": "side"}.get(role, "rear")
        placed.append((_vehicle(rng, len(placed) + 1, role, kind, found[0], view), found[1]))
    vehicles = tuple(v for v, _ in placed)
    return SceneSpec(seed, size, fps, duration, base.phases, vehicles, night, occluder)


# --- sprites ---------------------------------------------------------------------------------


def _plate_image(v: VehicleSpec, width: int, rng: np.random.Generator) -> np.ndarray:
    """Render the vehicle's plate at the given width."""
    plate = render_plate(v.plate, v.plate_style, rng, SCENE_LOOK)
    height = max(4, round(width * plate.shape[0] / plate.shape[1]))
    return cv2.resize(plate, (width, height), interpolation=cv2.INTER_AREA)


def _plate_spot(kind: str, width: int, h: int, pw: int, ph: int) -> tuple[int, int]:
    """Return where a plate pw x ph sits (top-left) on a sprite width x h of the kind."""
    if kind == "motorcycle":
        return width // 2 - pw // 2, round(h * 0.7)
    return (width - pw) // 2, round(h * 0.77) - ph


@functools.lru_cache(maxsize=16)
def _plate_aspect(style: str) -> float:
    """Return a style's plate height / width (its canvas is fixed; the drawing rng is not used)."""
    shape = render_plate("AB123", style, np.random.default_rng(0)).shape
    return shape[0] / shape[1]


def plate_in_sprite(v: VehicleSpec, sprite_w: int, sprite_h: int) -> tuple[int, int, int, int]:
    """Return the plate's box (x, y, w, h) on the vehicle's full-scale sprite; side views: none."""
    if v.view == "side":
        return (0, 0, 0, 0)
    pw = round(sprite_w * (0.62 if v.kind == "motorcycle" else 0.36))
    ph = max(4, round(pw * _plate_aspect(v.plate_style)))
    return (*_plate_spot(v.kind, sprite_w, sprite_h, pw, ph), pw, ph)


def _paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    """Copy an image into the canvas at (x, y) (top-left)."""
    h, w = image.shape[:2]
    canvas[y : y + h, x : x + w] = image


def _shade(colour: Colour, factor: float) -> Colour:
    """Return the colour scaled in brightness."""
    return tuple(int(min(255, c * factor)) for c in colour)  # type: ignore[return-value]


def car_sprite(v: VehicleSpec, width: int, rng: np.random.Generator) -> tuple:
    """Draw a car seen from behind or from the front; return (BGR, mask)."""
    if v.view == "side":
        return _side_car(v, width, rng)
    h = round(width * 0.78)
    img = np.zeros((h, width, 3), np.uint8)
    body = v.colour
    cv2.rectangle(img, (0, round(h * 0.38)), (width - 1, round(h * 0.9)), body, -1)
    roof = np.array([[0.14, 0.02], [0.86, 0.02], [0.97, 0.4], [0.03, 0.4]]) * (width, h)
    cv2.fillPoly(img, [roof.astype(np.int32)], _shade(body, 0.85))
    glass = np.array([[0.2, 0.07], [0.8, 0.07], [0.89, 0.36], [0.11, 0.36]]) * (width, h)
    cv2.fillPoly(img, [glass.astype(np.int32)], (60, 50, 45))
    lamp = (40, 40, 230) if v.view == "rear" else (210, 240, 250)
    for x0 in (0.04, 0.78):
        cv2.rectangle(
            img,
            (round(width * x0), round(h * 0.45)),
            (round(width * (x0 + 0.18)), round(h * 0.56)),
            lamp,
            -1,
        )
    cv2.rectangle(img, (0, round(h * 0.8)), (width - 1, round(h * 0.9)), (35, 35, 35), -1)
    for x0 in (0.06, 0.8):
        cv2.rectangle(
            img,
            (round(width * x0), round(h * 0.9)),
            (round(width * (x0 + 0.14)), h - 1),
            (20, 20, 20),
            -1,
        )
    plate = _plate_image(v, round(width * 0.36), rng)
    _paste(img, plate, *_plate_spot(v.kind, width, h, plate.shape[1], plate.shape[0]))
    mask = np.zeros((h, width), np.uint8)
    cv2.fillPoly(mask, [roof.astype(np.int32)], 255)
    mask[round(h * 0.38) :, :] = 255
    mask[round(h * 0.9) :, round(width * 0.2) : round(width * 0.8)] = 0
    return img, mask


def _side_car(v: VehicleSpec, width: int, rng: np.random.Generator) -> tuple:
    """Draw cross traffic from the side (no plate visible)."""
    w, h = round(width * 1.9), round(width * 0.55)
    img = np.zeros((h, w, 3), np.uint8)
    mask = np.zeros((h, w), np.uint8)
    for target, value in ((img, v.colour), (mask, 255)):
        cv2.rectangle(target, (0, round(h * 0.4)), (w - 1, round(h * 0.85)), value, -1)
        roof = np.array([[0.22, 0.02], [0.7, 0.02], [0.82, 0.4], [0.12, 0.4]]) * (w, h)
        cv2.fillPoly(target, [roof.astype(np.int32)], value)
    cv2.rectangle(
        img,
        (round(w * 0.27), round(h * 0.08)),
        (round(w * 0.66), round(h * 0.38)),
        (60, 50, 45),
        -1,
    )
    for cx in (0.2, 0.8):
        cv2.circle(img, (round(w * cx), round(h * 0.84)), round(h * 0.16), (20, 20, 20), -1)
        cv2.circle(mask, (round(w * cx), round(h * 0.84)), round(h * 0.16), 255, -1)
    return img, mask


def _head(
    img: np.ndarray,
    mask: np.ndarray,
    c: tuple[int, int],
    r: int,
    helmet: bool,
    rng: np.random.Generator,
) -> None:
    """Draw a head seen from behind: a glossy helmet or hair over skin."""
    if helmet:
        colour = HELMET_COLOURS[int(rng.integers(len(HELMET_COLOURS)))]
        rr = round(r * 1.3)
        cv2.ellipse(img, c, (rr, round(rr * 1.05)), 0, 0, 360, colour, -1)
        cv2.ellipse(mask, c, (rr, round(rr * 1.05)), 0, 0, 360, 255, -1)
        cv2.ellipse(
            img,
            (c[0], c[1] + round(rr * 0.55)),
            (rr, max(1, rr // 4)),
            0,
            0,
            360,
            _shade(colour, 0.55),
            -1,
        )
        hl = (c[0] - rr // 3, c[1] - rr // 3)
        cv2.ellipse(img, hl, (max(1, rr // 4), max(1, rr // 6)), -30, 0, 360, (245, 245, 245), -1)
        return
    skin = SKIN[int(rng.integers(len(SKIN)))]
    hair = HAIR[int(rng.integers(len(HAIR)))]
    neck = (c[0] - r // 2, c[1], r, round(r * 1.5))
    cv2.rectangle(img, neck[:2], (neck[0] + neck[2], neck[1] + neck[3]), skin, -1)
    cv2.rectangle(mask, neck[:2], (neck[0] + neck[2], neck[1] + neck[3]), 255, -1)
    for ex in (-1, 1):
        cv2.circle(img, (c[0] + ex * r, c[1] + r // 5), max(1, r // 4), skin, -1)
    cv2.circle(img, c, r, skin, -1)
    cv2.circle(mask, c, r + max(1, r // 4), 255, -1)
    cv2.ellipse(img, (c[0], c[1] - r // 5), (r, round(r * 0.9)), 0, 180, 360, hair, -1)
    cv2.ellipse(img, (c[0], c[1]), (r, round(r * 0.75)), 0, 0, 180, hair, -1)


def moto_sprite(v: VehicleSpec, width: int, rng: np.random.Generator) -> tuple:
    """Draw a motorcycle from behind with its rider (and pillion); return (BGR, mask)."""
    h = round(width * 2.3)
    img = np.zeros((h, width, 3), np.uint8)
    mask = np.zeros((h, width), np.uint8)
    cx, r = width // 2, round(width * 0.19)
    shirts = [_shade(BODY_COLOURS[int(rng.integers(len(BODY_COLOURS)))], 0.9) for _ in range(2)]
    seats = [(round(r * 1.35), 0)] + ([(round(r * 2.4), 1)] if len(v.helmets) > 1 else [])
    side = 1 if rng.random() < 0.5 else -1
    for head_y, seat in seats:
        hx = cx + seat * side * round(width * 0.22)
        shoulder = head_y + round(r * 1.3)
        half = width // 2 - (seat * width // 10)
        body = np.array(
            [
                [hx - half, shoulder],
                [hx + half, shoulder],
                [hx + half * 0.8, h * 0.66],
                [hx - half * 0.8, h * 0.66],
            ],
            np.int32,
        )
        cv2.fillPoly(img, [body], shirts[seat])
        cv2.fillPoly(mask, [body], 255)
        _head(img, mask, (hx, head_y), round(r * (1 - 0.08 * seat)), v.helmets[seat], rng)
    bike = (cx - round(width * 0.2), round(h * 0.62), cx + round(width * 0.2), h - 1)
    cv2.rectangle(img, bike[:2], bike[2:], (30, 30, 35), -1)
    cv2.rectangle(mask, bike[:2], bike[2:], 255, -1)
    cv2.rectangle(
        img,
        (cx - round(width * 0.3), round(h * 0.63)),
        (cx + round(width * 0.3), round(h * 0.68)),
        (40, 40, 200),
        -1,
    )
    cv2.rectangle(
        mask,
        (cx - round(width * 0.3), round(h * 0.63)),
        (cx + round(width * 0.3), round(h * 0.68)),
        255,
        -1,
    )
    plate = _plate_image(v, round(width * 0.62), rng)
    py = round(h * 0.7)
    _paste(img, plate, *_plate_spot(v.kind, width, h, plate.shape[1], plate.shape[0]))
    mask[
        py : py + plate.shape[0],
        cx - plate.shape[1] // 2 : cx - plate.shape[1] // 2 + plate.shape[1],
    ] = 255
    return img, mask


def sprite(v: VehicleSpec, frame_h: int, rng: np.random.Generator) -> tuple:
    """Return the vehicle's full-scale sprite (BGR, mask) for a frame height."""
    if v.kind == "motorcycle":
        return moto_sprite(v, round(MOTO_W * frame_h), rng)
    return car_sprite(v, round(CAR_W * frame_h), rng)


# --- rendering -------------------------------------------------------------------------------


def background(spec: SceneSpec) -> np.ndarray:
    """Draw the empty junction: asphalt, lanes, stop line, zebra, cross road, signal pole."""
    w, h = spec.size
    rng = np.random.default_rng(spec.seed + 1)
    img = np.full((h, w, 3), (95, 100, 100), np.uint8)
    img[:, : round(ROAD[0] * w)] = (120, 150, 150)
    img[:, round(ROAD[1] * w) :] = (120, 150, 150)
    img[round(0.12 * h) : round(0.38 * h), :] = (92, 96, 97)
    noise = rng.normal(0, 6, (h, w, 1)).astype(np.int16)
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    stop = round(STOP_Y * h)
    cv2.line(
        img,
        (round(ROAD[0] * w), stop),
        (round(ROAD[1] * w), stop),
        (235, 235, 235),
        max(2, h // 90),
    )
    for k in range(1, LANES):
        x = round(lane_x(k, -0.5) * w)
        for y in range(stop + h // 40, h, h // 10):
            cv2.line(img, (x, y), (x, y + h // 20), (225, 225, 225), max(1, h // 240))
    for x in np.arange(ROAD[0], ROAD[1], 0.04):
        cv2.rectangle(
            img,
            (round(x * w), round(0.42 * h)),
            (round((x + 0.022) * w), round(0.52 * h)),
            (210, 210, 210),
            -1,
        )
    rx, ry, rw, rh = SIGNAL_ROI
    cv2.rectangle(
        img,
        (round((rx + rw / 2 - 0.004) * w), round((ry + rh) * h)),
        (round((rx + rw / 2 + 0.004) * w), round(0.45 * h)),
        (60, 60, 60),
        -1,
    )
    return img


def draw_signal(img: np.ndarray, state: str, size: tuple[int, int]) -> None:
    """Draw the signal head in its ROI with the lamp of `state` lit."""
    w, h = size
    rx, ry, rw, rh = SIGNAL_ROI
    x0, y0, x1, y1 = round(rx * w), round(ry * h), round((rx + rw) * w), round((ry + rh) * h)
    cv2.rectangle(img, (x0, y0), (x1, y1), (25, 25, 25), -1)
    lit = {RED: (40, 40, 255), AMBER: (0, 190, 255), GREEN: (90, 230, 60)}
    r = max(2, round(min(x1 - x0, (y1 - y0) / 3) * 0.36))
    for k, lamp in enumerate((RED, AMBER, GREEN)):
        centre = ((x0 + x1) // 2, y0 + round((y1 - y0) * (k + 0.5) / 3))
        colour = lit[lamp] if lamp == state else _shade(lit[lamp], 0.18)
        cv2.circle(img, centre, r, colour, -1)


def _occluder(img: np.ndarray, size: tuple[int, int]) -> None:
    """Draw a board on a post in front of the left lane (it hides vehicles passing behind it)."""
    w, h = size
    (x0, y0, x1, y1), post = _occluder_rects(size)
    cv2.rectangle(img, (x0, y0), (x1, y1), (40, 120, 40), -1)
    cv2.rectangle(img, (x0 + 4, round(0.645 * h)), (x1 - 4, round(0.695 * h)), (235, 235, 235), 2)
    cv2.rectangle(img, post[:2], post[2:], (70, 70, 70), -1)


def _occluder_rects(size: tuple[int, int]) -> tuple[tuple[int, int, int, int], ...]:
    """Return the occluding board and its post as (x0, y0, x1, y1) rectangles, ends included."""
    w, h = size
    x0, x1 = round(lane_x(0, -0.35) * w), round(lane_x(0, 0.15) * w)
    post = (x0 + x1) // 2
    half = max(2, w // 300)
    return (x0, round(0.64 * h), x1, round(0.7 * h)), (post - half, round(0.7 * h), post + half, h)


def _scale(y: float) -> float:
    """Return the perspective scale of an object whose ground point is at normalised y."""
    return 0.45 + 0.55 * min(1.2, max(0.0, y))


def _place_sprite(
    frame: np.ndarray, img: np.ndarray, mask: np.ndarray, gx: int, gy: int, dim: float
) -> tuple[int, int, int, int] | None:
    """Blend a scaled sprite with its bottom centre at (gx, gy); return its visible box."""
    fh, fw = frame.shape[:2]
    h, w = img.shape[:2]
    x, y = gx - w // 2, gy - h
    x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    sub_img = img[y0 - y : y1 - y, x0 - x : x1 - x]
    sub_mask = mask[y0 - y : y1 - y, x0 - x : x1 - x] > 127
    if dim != 1.0:
        sub_img = (sub_img * dim).astype(np.uint8)
    frame[y0:y1, x0:x1][sub_mask] = sub_img[sub_mask]
    ys, xs = np.nonzero(sub_mask)
    if len(xs) == 0:
        return None
    return (
        x0 + int(xs.min()),
        y0 + int(ys.min()),
        int(xs.max() - xs.min() + 1),
        int(ys.max() - ys.min() + 1),
    )


def _state_at(phases: tuple[Phase, ...], t_ms: float) -> str:
    """Return the signal state at t_ms."""
    for p in phases:
        if p.start_ms <= t_ms < p.end_ms:
            return p.state
    return phases[-1].state


def _lamps(v: VehicleSpec, box: tuple[int, int, int, int]) -> list[tuple[int, int, int]]:
    """Return the glowing lamps (x, y, radius) of a vehicle at night, clear of its plate."""
    x, y, w, h = box
    r = max(2, w // 10)
    if v.kind == "motorcycle":
        return [(x + w // 2, y + round(h * 0.655), r)]
    if v.view == "side":
        return [(x + w // 20, y + h // 2, r // 2), (x + w - w // 20, y + h // 2, r // 2)]
    return [(x + round(w * 0.13), y + h // 2, r), (x + round(w * 0.87), y + h // 2, r)]


def _night(frame: np.ndarray, lights: list[tuple[int, int, int]]) -> np.ndarray:
    """Darken the frame and add the glow of vehicle lamps."""
    dark = (frame.astype(np.float32) * 0.38).astype(np.uint8)
    for x, y, r in lights:
        cv2.circle(dark, (x, y), r, (60, 60, 170), -1)
    return dark


def _noise_pair(rng: np.random.Generator, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return sensor noise split into what to add and what to subtract (saturating, fast)."""
    noise = rng.normal(0, 2.5, (size[1], size[0], 3))
    return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)


class _Renderer:
    """Frame-by-frame drawing of a scene spec (sprites cached per vehicle)."""

    def __init__(self, spec: SceneSpec) -> None:
        self.spec = spec
        rng = np.random.default_rng(spec.seed + 2)
        self.bg = background(spec)
        self.sprites = {v.vehicle_id: sprite(v, spec.size[1], rng) for v in spec.vehicles}
        self.noise = [_noise_pair(rng, spec.size) for _ in range(4)]
        self.rng = rng
        self.plates: dict[int, PlateTruth] = {}  # the last rendered frame's plates

    def frame(self, index: int) -> tuple[np.ndarray, dict[int, tuple[int, int, int, int]]]:
        """Render frame `index`; return it with each visible vehicle's box."""
        w, h = self.spec.size
        t = index * 1000 / self.spec.fps
        img = self.bg.copy()
        boxes, lights, drawn = {}, [], []
        visible = [(v, v.position(t)) for v in self.spec.vehicles]
        for v, pos in sorted((vp for vp in visible if vp[1]), key=lambda vp: vp[1][1]):
            s = _scale(pos[1])
            base, mask = self.sprites[v.vehicle_id]
            size = (max(2, round(base.shape[1] * s)), max(2, round(base.shape[0] * s)))
            small_mask = cv2.resize(mask, size, interpolation=cv2.INTER_NEAREST)
            gx, gy = round(pos[0] * w), round(pos[1] * h)
            box = _place_sprite(
                img,
                cv2.resize(base, size, interpolation=cv2.INTER_AREA),
                small_mask,
                gx,
                gy,
                1.0,
            )
            drawn.append((v, gx - size[0] // 2, gy - size[1], small_mask, base.shape[:2]))
            if box:
                boxes[v.vehicle_id] = box
                lights += _lamps(v, box)
        if self.spec.occluder:
            _occluder(img, self.spec.size)
        self.plates = _plate_truth(drawn, self.spec.size, self.spec.occluder)
        if self.spec.night:
            img = _night(img, lights)
        draw_signal(img, _state_at(self.spec.phases, t), self.spec.size)
        up, down = self.noise[index % len(self.noise)]
        return cv2.subtract(cv2.add(img, up), down), boxes


def _plate_truth(drawn: list, size: tuple[int, int], occluder: bool) -> dict[int, PlateTruth]:
    """Return each drawn vehicle's plate box and the share of it left in view (drawing order)."""
    plates = {}
    for k, (v, x, y, mask, (base_h, base_w)) in enumerate(drawn):
        px, py, pw, ph = plate_in_sprite(v, base_w, base_h)
        sx, sy = mask.shape[1] / base_w, mask.shape[0] / base_h
        x0, y0 = x + round(px * sx), y + round(py * sy)
        x1, y1 = x + round((px + pw) * sx), y + round((py + ph) * sy)
        if x1 - x0 < 1 or y1 - y0 < 1:
            continue
        seen = np.zeros((y1 - y0, x1 - x0), bool)
        seen[max(0, -y0) : size[1] - y0, max(0, -x0) : size[0] - x0] = True
        for _, ox, oy, other, _ in drawn[k + 1 :]:
            _cover(seen, x0, y0, other > 127, ox, oy)
        for r in _occluder_rects(size) if occluder else ():
            full = np.ones((r[3] - r[1] + 1, r[2] - r[0] + 1), bool)
            _cover(seen, x0, y0, full, r[0], r[1])
        plates[v.vehicle_id] = PlateTruth((x0, y0, x1 - x0, y1 - y0), float(seen.mean()))
    return plates


def _cover(seen: np.ndarray, x: int, y: int, cover: np.ndarray, cx: int, cy: int) -> None:
    """Clear the pixels of `seen` (placed at x, y) that `cover` (placed at cx, cy) hides."""
    h, w = seen.shape
    ax0, ay0 = max(x, cx), max(y, cy)
    ax1, ay1 = min(x + w, cx + cover.shape[1]), min(y + h, cy + cover.shape[0])
    if ax1 <= ax0 or ay1 <= ay0:
        return
    hidden = cover[ay0 - cy : ay1 - cy, ax0 - cx : ax1 - cx]
    seen[ay0 - y : ay1 - y, ax0 - x : ax1 - x] &= ~hidden


def truth_violations(spec: SceneSpec, min_visible_frames: int = 12) -> tuple[TruthViolation, ...]:
    """Return the offences built into the scene (roles and bare heads)."""
    found = []
    for v in spec.vehicles:
        if v.role == "runner":
            found.append(TruthViolation("red_light", v.vehicle_id, v.plate))
        if v.role == "wrong_way":
            found.append(TruthViolation("wrong_way", v.vehicle_id, v.plate))
        if v.kind == "motorcycle" and not all(v.helmets) and v.role != "cross":
            found.append(TruthViolation("no_helmet", v.vehicle_id, v.plate))
    return tuple(found)


def metadata_for(spec: SceneSpec) -> dict[str, Any]:
    """Return the clip metadata JSON (controller phases) of a scene."""
    return {
        "camera_id": "SYN-0001",
        "started_at": "2026-11-23T10:15:00+05:00",
        "fps": spec.fps,
        "signal_phases": [
            {"state": p.state, "start_ms": p.start_ms, "end_ms": p.end_ms} for p in spec.phases
        ],
    }


def render_scene(spec: SceneSpec, path: Path | str, fourcc: str = "mp4v") -> GroundTruth:
    """Render the scene to a video file; return its ground truth."""
    renderer = _Renderer(spec)
    frames = math.ceil(spec.duration_ms * spec.fps / 1000)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), spec.fps, spec.size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {fourcc} to {path}")
    boxes: dict[int, dict[int, tuple[int, int, int, int]]] = {
        v.vehicle_id: {} for v in spec.vehicles
    }
    plates: dict[int, dict[int, PlateTruth]] = {v.vehicle_id: {} for v in spec.vehicles}
    try:
        for i in range(frames):
            img, found = renderer.frame(i)
            writer.write(img)
            for vid, box in found.items():
                boxes[vid][i] = box
            for vid, plate in renderer.plates.items():
                plates[vid][i] = plate
    finally:
        writer.release()
    return GroundTruth(
        calibration_for(spec.size),
        metadata_for(spec),
        frames,
        spec.fps,
        spec.vehicles,
        truth_violations(spec),
        boxes,
        plates,
    )


# --- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A found violation set against the truth: which vehicle it was and whether it is right."""

    rule: str
    frame: int
    vehicle_id: int | None
    correct: bool
    plate_found: str | None
    plate_true: str | None
    plate_confidence: float = 0.0


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Return the intersection over union of two (x, y, w, h) boxes."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - ix * iy
    return ix * iy / union if union else 0.0


def vehicle_at(truth: GroundTruth, frame: int, box: tuple[int, int, int, int]) -> int | None:
    """Return the vehicle whose true box in `frame` overlaps `box` most (IoU >= 0.3)."""
    best, best_iou = None, 0.3
    for vid, boxes in truth.boxes.items():
        true_box = boxes.get(frame)
        if true_box is not None and _iou(true_box, box) >= best_iou:
            best, best_iou = vid, _iou(true_box, box)
    return best


def match_violations(found: list[dict[str, Any]], truth: GroundTruth) -> tuple[list[Match], list]:
    """Match found violations (contract dicts) to the truth; return matches and the missed."""
    wanted = {(t.rule, t.vehicle_id): t for t in truth.violations}
    matches, used = [], set()
    for v in found:
        vid = vehicle_at(truth, v["frame"], tuple(v["bbox"]))
        key = (v["rule"], vid)
        correct = key in wanted and key not in used
        used.add(key)
        plate_true = wanted[key].plate if correct else None
        plate_confidence = float(v.get("plate_confidence") or 0.0)
        matches.append(
            Match(v["rule"], v["frame"], vid, correct, v.get("plate"), plate_true, plate_confidence)
        )
    missed = [t for key, t in wanted.items() if key not in used]
    return matches, missed
