"""Print PDF challan notices rendered per second on one core (target: >= 50/s).

Each notice has its own number, QR URL and clip hash (no cache can help across notices), two
evidence frames and a plate crop. Frames are synthetic 640x360 JPEGs by default; `--clip PATH`
takes them from a real video instead, and `--raw` hands them over as RGB arrays (re-encoded
per notice) rather than ready JPEG bytes.

    .venv/bin/python bench/notices_pdf.py [-n 200] [--clip ../shared/data/videos/y3.mov] [--raw]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import time
from datetime import UTC, date, datetime

from PIL import Image, ImageDraw

from notices.notice import ChallanNotice, EvidenceImage
from notices.pdf import render_challan_pdf


def synthetic_frame(seed: int) -> Image.Image:
    """Return a 640x360 picture with a road, a car and a signal."""
    image = Image.new("RGB", (640, 360), (90, 90, 95))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 640, 120), fill=(150, 190, 230))
    draw.line((0, 250, 640, 250), fill=(240, 240, 240), width=6)
    draw.rectangle((200 + seed % 50, 180, 330 + seed % 50, 260), fill=(200, 30, 30))
    draw.ellipse((590, 20, 620, 50), fill=(230, 0, 0))
    return image


def clip_frames(path: str) -> list[Image.Image]:
    """Return two frames of a real video, shrunk to 640 px wide."""
    import cv2

    capture, frames = cv2.VideoCapture(path), []
    for index in (20, 40):
        capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = capture.read()
        if not ok:
            raise SystemExit(f"cannot read frame {index} of {path}")
        frame = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        frame.thumbnail((640, 640))
        frames.append(frame)
    return frames


def encoded(image: Image.Image, fmt: str) -> bytes:
    """Return `image` encoded as `fmt`."""
    out = io.BytesIO()
    image.save(out, format=fmt, quality=80)
    return out.getvalue()


def notice(i: int, frames: list[object], crop: bytes) -> ChallanNotice:
    """Return the i-th benchmark notice."""
    number = f"KHI-2026-{i + 1:08d}"
    return ChallanNotice(
        challan_number=number,
        consumer_number=f"{1004226000000000 + i:016d}",
        rule="wrong_way",
        legal_basis="Sindh Motor Vehicles Ordinance 1965 as amended 2025, Sixth Schedule (TRACS)",
        schedule_version="KHI-2025-TRACS",
        place="Shahrah-e-Faisal at Nursery, northbound",
        camera_id="KHI-0001",
        occurred_at=datetime(2026, 11, 23, 5, 15, i % 60, tzinfo=UTC),
        issued_on=date(2026, 11, 23),
        plate=f"AZU-{i % 1000:03d}",
        vehicle_make="Suzuki",
        vehicle_model="Mehran",
        vehicle_colour="white",
        vehicle_class="car",
        owner_name="Muhammad Ali Khan",
        owner_address="House 12, Block 13-D, Gulshan-e-Iqbal",
        owner_cnic="4210112345673",
        fine_paisa=3_000_000,
        discounted_paisa=1_500_000,
        discount_until=date(2026, 12, 7),
        surcharged_paisa=6_000_000,
        surcharge_from=date(2026, 12, 15),
        clip_sha256=hashlib.sha256(number.encode()).hexdigest(),
        verify_url=f"https://echallan.sindhpolice.gov.pk/v/{number}",
        evidence=tuple(EvidenceImage(f, f"frame {k}") for k, f in enumerate(frames)),
        plate_crop=EvidenceImage(crop, "plate crop"),
    )


def main() -> None:
    """Render the notices and print the rate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--clip", help="take evidence frames from this video")
    parser.add_argument("--raw", action="store_true", help="pass frames as RGB arrays")
    args = parser.parse_args()
    pictures = clip_frames(args.clip) if args.clip else [synthetic_frame(1), synthetic_frame(2)]
    if args.raw:
        import numpy as np

        frames: list[object] = [np.asarray(p) for p in pictures]
    else:
        frames = [encoded(p, "JPEG") for p in pictures]
    crop = encoded(Image.new("RGB", (200, 60), (250, 250, 250)), "PNG")
    render_challan_pdf(notice(10**6, frames, crop))  # warm-up: font registration, imports
    started, cpu_started, size = time.perf_counter(), time.process_time(), 0
    for i in range(args.n):
        size += len(render_challan_pdf(notice(i, frames, crop)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    source = args.clip or "synthetic"
    # One process, one thread: the CPU-time rate is what one dedicated core gives; the wall
    # rate is lower whenever other work shares the core.
    print(
        f"{args.n} notices: {args.n / cpu:.1f} notices/s per core (CPU time {cpu:.2f} s), "
        f"{args.n / elapsed:.1f}/s wall ({elapsed:.2f} s)"
    )
    print(
        f"frames: {source}, {'RGB arrays' if args.raw else 'JPEG bytes'}; "
        f"mean PDF size {size / args.n / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
