"""`kb show --version` of a PDF prints its pages apart, with a blank line between them.

QA: a PDF's pages are stored joined with form feeds (each chunk knows its page by them), and a
terminal shows a form feed as nothing: "Packaging guideUse double-wall…".
"""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import main
from ingest.loaders import shown_text

from .test_formats import pdf_bytes
from .test_ingest import run


def test_kb_show_version_of_a_pdf_prints_its_pages_apart(empty_kb, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "packaging.pdf").write_bytes(pdf_bytes("Packaging guide", "Use double-wall boxes.\nTape every seam.", "", "Returns"))
    (docs / "packaging.pdf.meta.yaml").write_text("verified: true\n")
    assert run(empty_kb, docs).added == ["packaging"]

    result = CliRunner().invoke(main, ["kb", "show", "packaging", "--version", "1"],
                                env={"SWITCHBOARD_DATA_DIR": str(empty_kb.settings.data_dir)})

    assert result.exit_code == 0, result.output
    assert result.stdout == "Packaging guide\n\nUse double-wall boxes.\nTape every seam.\n\nReturns\n"


def test_text_without_pages_is_shown_as_it_is():
    text = "# Refunds\n\n\nRefunds take 14 days.\n"
    assert shown_text(text) is text
    assert shown_text("\fIntro\n\f\fLast\n") == "Intro\n\nLast"
