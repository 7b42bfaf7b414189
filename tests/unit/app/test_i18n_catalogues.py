"""The page catalogues compile outside the source tree, so a read-only install keeps its Urdu."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from babel.support import Translations

from echallan.core import i18n


def _feature_catalogue(root: Path, feature: str, msgid: str, msgstr: str) -> Path:
    folder = root / feature / "translations"
    po_path = folder / "ur" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True)
    catalog = Catalog(locale="ur")
    catalog.add(msgid, msgstr)
    with po_path.open("wb") as target:
        write_po(target, catalog)
    return folder


def test_compiled_catalogues_land_in_the_target_not_beside_the_sources(tmp_path: Path) -> None:
    sources = tmp_path / "package"
    review = _feature_catalogue(sources, "review", "Approve", "منظور")
    portal = _feature_catalogue(sources, "citizens", "Pay", "ادا کریں")

    targets = i18n.compile_catalogues((review, portal), tmp_path / "compiled")

    assert not list(sources.rglob("*.mo"))
    assert [target.parent for target in targets] == [tmp_path / "compiled"] * 2
    first = Translations.load(str(targets[0]), ["ur"])
    second = Translations.load(str(targets[1]), ["ur"])
    assert (first.gettext("Approve"), second.gettext("Pay")) == ("منظور", "ادا کریں")


def test_features_with_one_name_in_two_places_do_not_overwrite_each_other(tmp_path: Path) -> None:
    one = _feature_catalogue(tmp_path / "a", "pages", "Back", "واپس")
    two = _feature_catalogue(tmp_path / "b", "pages", "Next", "اگلا")

    targets = i18n.compile_catalogues((one, two), tmp_path / "compiled")

    assert len(set(targets)) == 2
    assert Translations.load(str(targets[0]), ["ur"]).gettext("Back") == "واپس"


def test_the_package_catalogues_compile_once_per_process() -> None:
    folders = tuple(i18n.catalogue_folders())

    first = i18n.compiled_catalogues(folders)

    assert first and first == i18n.compiled_catalogues(folders)
    assert all(i18n.PACKAGE not in target.parents for target in first)
