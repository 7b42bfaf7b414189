"""A training run is a function of its command: same seed, same weights; a resumed run, too.

The recipe's claim that it reproduces the committed model rests on this. Dropout draws from
torch's generator and the data from numpy's, so a checkpoint must carry both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="torch is in the train extra only")

from training.ocr.train import Trainer, parse_args  # noqa: E402


def _args(run: Path, *extra: str) -> argparse.Namespace:
    """Return a tiny ctc2 run's arguments, parsed as the recipe's command line is."""
    tiny = ["--steps", "6", "--batch", "4", "--real-frac", "0.5", "--arch", "ctc2"]
    return parse_args(["--run", str(run), *tiny, *extra])


def _weights_after(trainer: Trainer, steps: int) -> dict[str, torch.Tensor]:
    for _ in range(steps):
        trainer.train_step()
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the recipe trains: summation order fixed
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
def test_a_run_stopped_and_resumed_ends_with_the_weights_of_an_unbroken_run(
    shared_data: Path, tmp_path: Path
) -> None:
    unbroken = _weights_after(Trainer(_args(tmp_path / "a")), 6)

    (tmp_path / "b").mkdir()
    first = Trainer(_args(tmp_path / "b"))
    _weights_after(first, 3)
    first.save()
    torch.manual_seed(12345)  # whatever ran in between must not matter
    resumed = Trainer(_args(tmp_path / "b", "--resume"))

    assert resumed.step == 3
    assert _same(_weights_after(resumed, 3), unbroken)


@pytest.mark.usefixtures("one_thread")
def test_another_seed_gives_other_weights(shared_data: Path, tmp_path: Path) -> None:
    seven = _weights_after(Trainer(_args(tmp_path / "a")), 2)
    other = Trainer(_args(tmp_path / "b", "--seed", "11"))
    assert not _same(_weights_after(other, 2), seven)
