"""Small rendered clips shared by the vision tests (rendered once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.scenes import GroundTruth, random_scene_spec, render_scene
from vision import pipeline

# A development seed (daylight) holding red-light runners, a wrong-way car, bare-headed riders.
SCENE_SEED = 9


@pytest.fixture(scope="session")
def small_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """Render one 640x360 junction clip with its ground truth."""
    path = tmp_path_factory.mktemp("scene") / "junction.mp4"
    truth = render_scene(random_scene_spec(SCENE_SEED, size=(640, 360)), path)
    truth.write(path)
    return path, truth


@pytest.fixture(autouse=True)
def rendered_scenes_run_on_motion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Callers passing no settings get the motion pipeline: the scenes are drawn for it.

    The learned default finds none of the rendered vehicles; tests of the learned default on
    real footage pass PipelineSettings() explicitly.
    """
    monkeypatch.setattr(pipeline, "DEFAULT", pipeline.MOTION)
