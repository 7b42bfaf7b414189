"""English and Urdu for the pages: the locale of a request, its text direction, the catalogues.

The locale comes from `?lang=` (remembered in a cookie), else the cookie, else the browser's
Accept-Language, else English. Each feature keeps its own catalogue in `<feature>/translations/`
so that two features never edit one file; Flask-Babel merges them.

Catalogues are committed as `.po` text and compiled to `.mo` once per process, into a private
temporary folder rather than beside the sources: no build step to forget, no binary in the
repository, and an install on a read-only file system still gets its Urdu.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, request
from flask_babel import Babel, get_locale

from echallan.core.words import status_words

log = logging.getLogger(__name__)

LOCALES = ("en", "ur")
RIGHT_TO_LEFT = frozenset({"ur"})
LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600
PACKAGE = Path(__file__).resolve().parent.parent

babel = Babel()


def catalogue_folders(root: Path = PACKAGE) -> list[Path]:
    """Every feature's `translations/` folder (and the shared one), in a stable order."""
    return sorted(path for path in root.glob("*/translations") if path.is_dir()) + [
        path for path in [root / "translations"] if path.is_dir()
    ]


def compile_catalogues(folders: tuple[Path, ...], into: Path) -> list[Path]:
    """Compile every `.po` under `folders` into a mirror tree in `into`; return its folders.

    Each source folder gets its own target (named after its feature) because Flask-Babel merges
    several translation directories, each laid out as `<locale>/LC_MESSAGES/<domain>.mo`.
    """
    targets = []
    for index, folder in enumerate(folders):
        target = into / f"{index:02d}-{folder.parent.name}"
        for po_path in folder.glob("*/LC_MESSAGES/*.po"):
            mo_path = target / po_path.relative_to(folder).with_suffix(".mo")
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=po_path.parent.parent.name)
            with mo_path.open("wb") as compiled:
                write_mo(compiled, catalog)
        targets.append(target)
    return targets


@cache
def compiled_catalogues(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """Compile once per process (tests build many apps); the folder goes when the process does."""
    into = Path(tempfile.mkdtemp(prefix="echallan-catalogues-"))
    atexit.register(shutil.rmtree, into, ignore_errors=True)
    try:
        return tuple(compile_catalogues(folders, into))
    except (OSError, ValueError) as error:  # the pages fall back to English text, they do not break
        log.warning("cannot compile the page catalogues: %s", error)
        return ()


def select_locale() -> str:
    """Choose the request's locale: the query, the remembered choice, then the browser."""
    for chosen in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LOCALES:
            return chosen
    return request.accept_languages.best_match(LOCALES) or LOCALES[0]


def remember_choice(response: Response) -> Response:
    """Keep a language picked with `?lang=` for the pages that follow."""
    chosen = request.args.get("lang")
    if chosen in LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=LANG_COOKIE_MAX_AGE_S, samesite="Lax", httponly=True
        )
    return response


def page_language() -> dict[str, object]:
    """What every template needs: `lang` and `dir` of <html>, and this page in another language."""
    code = str(get_locale() or LOCALES[0])
    return {
        "lang": code,
        "text_dir": "rtl" if code in RIGHT_TO_LEFT else "ltr",
        "this_page_in": this_page_in,
    }


def this_page_in(code: str) -> str:
    """Return this page's address in language `code`, keeping its query (a plate, a filter)."""
    query = request.args.to_dict(flat=False)
    query["lang"] = [code]
    return request.path + "?" + urlencode(query, doseq=True)


def init_app(app: Flask) -> None:
    """Compile the catalogues, bind Flask-Babel with the locale selector, add `status_words`."""
    compiled = compiled_catalogues(tuple(catalogue_folders()))
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(map(str, compiled)))
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Karachi")
    app.context_processor(page_language)
    app.add_template_filter(status_words)
    app.after_request(remember_choice)
