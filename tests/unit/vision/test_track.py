"""The IoU tracker keeps identities through motion and short gaps."""

from __future__ import annotations

from vision.detect import Detection
from vision.track import IouTracker, iou


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert abs(iou((0, 0, 10, 10), (5, 0, 10, 10)) - 1 / 3) < 1e-9


def test_two_vehicles_keep_their_ids_through_a_gap() -> None:
    tracker = IouTracker(fps=25)
    for f in range(30):
        dets = [Detection((100, 400 - 10 * f, 60, 50))]
        if not 12 <= f <= 15:  # the second vehicle is hidden for four frames
            dets.append(Detection((300, 100 + 12 * f, 60, 50)))
        tracker.update(f, dets)
    tracks = tracker.tracks()
    assert len(tracks) == 2
    up, down = sorted(tracks, key=lambda t: t.boxes[0][1], reverse=True)
    assert len(up.frames) == 30 and len(down.frames) == 26
    assert all(b[0] == 300 for b in down.boxes)


def test_short_lived_blobs_are_dropped() -> None:
    tracker = IouTracker(fps=25)
    tracker.update(0, [Detection((10, 10, 20, 20))])
    for f in range(1, 40):
        tracker.update(f, [])
    assert tracker.tracks() == []


def test_a_blob_holding_two_followed_vehicles_is_marked_merged() -> None:
    tracker = IouTracker(fps=25)
    for f in range(20):
        left, right = (100 + 4 * f, 300, 60, 50), (400 - 4 * f, 300, 60, 50)
        if 8 <= f <= 11:  # they pass each other: one blob holds both
            x0, x1 = min(left[0], right[0]), max(left[0], right[0]) + 60
            dets = [Detection((x0, 300, x1 - x0, 50))]
        else:
            dets = [Detection(left), Detection(right)]
        tracker.update(f, dets)
    tracks = tracker.tracks()
    assert len(tracks) >= 2
    flags = [m for t in tracks for f, m in zip(t.frames, t.merged, strict=True) if 8 <= f <= 11]
    assert flags and all(flags)  # whoever took the merged blob knows it was not its own
    assert not any(m for t in tracks for f, m in zip(t.frames, t.merged, strict=True) if f < 8)


def test_a_track_leaves_a_blob_with_its_own_object_not_the_one_that_came_into_it() -> None:
    # A rider moves up the frame; a second one, never seen alone, comes into view right behind
    # it, so one blob holds both for four frames; then they part. The blob overlaps the newcomer
    # more (it is larger and nearer), but the first track must go on with the first rider.
    tracker = IouTracker(fps=25)
    for f in range(24):
        first = (270, 400 - 10 * f, 90, 200)
        second = (256, 620 - 10 * f, 104, 230)
        if f < 8:
            dets = [Detection(first)]
        elif f < 12:
            dets = [Detection((256, first[1], 104, second[1] + 230 - first[1]))]
        else:
            dets = [Detection(first), Detection(second)]
        tracker.update(f, dets)
    first_track = next(t for t in tracker.tracks() if t.frames[0] == 0)
    blob = [m for f, m in zip(first_track.frames, first_track.merged, strict=True) if 8 <= f < 12]
    assert blob == [True] * 4  # the grown box was not the first rider's own
    after = [b for f, b in zip(first_track.frames, first_track.boxes, strict=True) if f >= 12]
    assert after and all(b[0] == 270 for b in after)  # the first rider, not the newcomer
    newcomer = [t for t in tracker.tracks() if t is not first_track]
    assert len(newcomer) == 1 and newcomer[0].boxes[-1][0] == 256


def test_a_box_that_grows_for_good_becomes_the_objects_own() -> None:
    # The back half of a car is found alone at first (its front in shadow), then the whole car:
    # for max_grown_s the bigger box is held not to be its own, then it is.
    tracker = IouTracker(fps=25)
    for f in range(30):
        y = 100 + 8 * f
        tracker.update(f, [Detection((300, y, 120, 60) if f < 8 else (300, y - 60, 120, 120))])
    (track,) = tracker.tracks()
    assert len(track.frames) == 30
    assert track.merged == [False] * 8 + [True] * 10 + [False] * 12


def test_a_rider_the_background_gives_up_bit_by_bit_keeps_its_own_boxes() -> None:
    # Boxes of development scene 700014: a rider who waited at the stop line is found again a
    # part at a time as it moves off, so its box grows from one detection to the next. That
    # growth is its own; flagged as a grown blob, its red-light crossing was lost.
    boxes = [
        (228, 424, 48, 40),
        (228, 404, 48, 56),
        (204, 384, 100, 80),
        (204, 364, 96, 100),
        (208, 324, 92, 148),
        (208, 304, 92, 156),
        (208, 284, 88, 180),
        (208, 264, 88, 200),
        (212, 244, 84, 196),
        (212, 224, 80, 192),
    ]
    tracker = IouTracker(fps=25)
    for i, box in enumerate(boxes):
        tracker.update(228 + 2 * i, [Detection(box)])
    (track,) = tracker.tracks()
    assert len(track.frames) == len(boxes) and not any(track.merged)
