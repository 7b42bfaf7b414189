"""Configuration: the environment decides; production refuses to start without its secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from echallan import create_app
from echallan.config import Config, ProductionConfig, TestingConfig, config_from_environment
from echallan.core import deps
from vision import pipeline

SECRETS = {
    "SECRET_KEY": "s3cret-" + "x" * 32,
    "DATABASE_URL": "postgresql+psycopg://app@db/echallan",
    "EVIDENCE_DIR": "/srv/evidence",
    "REGISTRY_URL": "https://registry.example",
    "REGISTRY_API_KEY": "key",
}


def test_production_names_every_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as error:
        ProductionConfig.validate()
    assert all(name in str(error.value) for name in SECRETS)


def test_production_refuses_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, "DATABASE_URL": "sqlite:///x.db"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        ProductionConfig.validate()


def test_production_starts_with_its_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    ProductionConfig.validate()


def test_production_needs_the_secrets_of_each_wallet_with_a_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WALLET_PROVIDERS", "jazzcash,easypaisa")
    for name in ("URL", "SECRET", "API_KEY"):
        monkeypatch.delenv(f"WALLET_EASYPAISA_{name}", raising=False)
        monkeypatch.delenv(f"WALLET_JAZZCASH_{name}", raising=False)
    ProductionConfig.validate()  # no wallet configured: nothing more is needed
    monkeypatch.setenv("WALLET_JAZZCASH_URL", "https://jazzcash.example/merchant")
    with pytest.raises(RuntimeError) as error:
        ProductionConfig.validate()
    assert "WALLET_JAZZCASH_SECRET" in str(error.value)
    assert "WALLET_JAZZCASH_API_KEY" in str(error.value)
    assert "EASYPAISA" not in str(error.value)
    monkeypatch.setenv("WALLET_JAZZCASH_SECRET", "jc-secret")
    monkeypatch.setenv("WALLET_JAZZCASH_API_KEY", "jc-key")
    ProductionConfig.validate()


def test_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECHALLAN_ENV", "staging")
    with pytest.raises(RuntimeError, match="ECHALLAN_ENV"):
        config_from_environment()


def test_app_refuses_to_start_in_production_without_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ECHALLAN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [
        ("AUTO_ISSUE_MIN_OFFENCE_CONFIDENCE", "wrong_way=high", "wrong_way=high"),
        ("AUTO_ISSUE_MIN_PLATE_CONFIDENCE", 1.5, "min_plate_confidence must be 0..1"),
        ("CLIP_PIPELINE", "yolo", "unknown clip pipeline 'yolo'"),
    ],
)
def test_app_refuses_to_start_with_malformed_issuance_settings(
    tmp_path: Path, setting: str, value: object, complaint: str
) -> None:
    overrides = {setting: value, "EVIDENCE_DIR": str(tmp_path)}
    with pytest.raises(RuntimeError, match=complaint):
        create_app(TestingConfig, overrides)


def test_production_refuses_a_short_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, "SECRET_KEY": "s3cret"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match="32 characters"):
        ProductionConfig.validate()


def test_the_clip_pipeline_is_a_setting_learned_unless_configured(tmp_path: Path) -> None:
    assert Config.CLIP_PIPELINE == "learned"  # real footage, in production and `make run`
    for name, expected in [("learned", pipeline.PipelineSettings()), ("motion", pipeline.MOTION)]:
        app = create_app(TestingConfig, {"CLIP_PIPELINE": name, "EVIDENCE_DIR": str(tmp_path)})
        assert deps.of(app).settings.clip_pipeline == expected
