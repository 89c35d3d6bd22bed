"""Worksheets: every USP element in the HTML and Markdown, self-contained HTML, PDF text."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from compoundkit.formulas import load_formula
from compoundkit.records.cr import CR_ELEMENTS, CompoundingRecord, Lot, QcResult
from compoundkit.records.mfr import (
    MFR_ELEMENTS,
    CompoundingStep,
    MasterFormulationRecord,
    QualityCheck,
)
from compoundkit.records.render import (
    PdfUnavailableError,
    cr_to_html,
    cr_to_markdown,
    html_to_pdf,
    mfr_to_html,
    mfr_to_markdown,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

STEPS = (
    CompoundingStep("Weigh every ingredient.", ("Class III balance", "weigh boats")),
    CompoundingStep(
        "Levigate ketoprofen, cyclobenzaprine HCl and guaifenesin with a little base.",
        ("ointment slab", "spatula"),
        precautions="Wear gloves; ketoprofen is a photosensitiser.",
    ),
    CompoundingStep("Dissolve the magnesium chloride in a minimum of purified water.", ("beaker",)),
    CompoundingStep("Add the base in geometric portions; mix until uniform.", ("unguator",)),
)
QC = (
    QualityCheck("appearance", "Spread a thin film on a glass slide.", "Smooth off-white cream"),
    QualityCheck("pH", "pH paper on a 10 % dispersion in water.", "pH 5.0-7.0"),
)
OTHER = "Mix at 20-25 °C; add the magnesium solution last."


@pytest.fixture(scope="module")
def mfr() -> MasterFormulationRecord:
    """The muscle-spasm cream with every MFR element supplied, approved."""
    return MasterFormulationRecord.create(
        load_formula(EXAMPLES / "muscle-spasm-cream.toml"),
        steps=STEPS,
        description="Smooth, off-white, odourless cream",
        quality_control=QC,
        labelling=["Keep out of reach of children"],
        other=[OTHER],
        author="A. Chen",
    ).approve("B. Diaz", dt.date(2024, 2, 20))


@pytest.fixture(scope="module")
def cr(mfr: MasterFormulationRecord) -> CompoundingRecord:
    return CompoundingRecord.create(
        mfr,
        size="120 g",
        internal_id="RX-1001",
        prepared_at=dt.datetime(2024, 3, 1, 9, 30),
        compounded_by="C. Evans",
        verified_by="B. Diaz",
        lots={
            "ketoprofen": Lot("K7", dt.date(2024, 3, 10), "Acme"),
            "lipoderm-activemax": Lot("L1", dt.date(2025, 1, 1), "PCCA"),
        },
        weighed={"ketoprofen": "12.01 g", "cyclobenzaprine": "2.376 g"},
        description="Smooth off-white cream",
        qc_results=[QcResult("pH", "6.1", True)],
        deviations=["Mixed 2 minutes longer than the MFR says"],
    )


def _text(page: str) -> str:
    """The visible text of an HTML page (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _mfr_facts(mfr: MasterFormulationRecord) -> list[str]:
    return [
        "Muscle spasm cream",
        "Ketoprofen 10 % w/w",
        "Cyclobenzaprine hydrochloride",  # element 2: the form weighed
        "MgCl2.6H2O",  # a relevant characteristic
        "light-resistant airless pump",  # 3
        *(step.instruction for step in STEPS),  # 4
        "unguator",
        "Wear gloves; ketoprofen is a photosensitiser.",
        "Smooth, off-white, odourless cream",  # 5
        "14 days",  # 6
        "refrigerator",
        "USP <795> 2023 Table 3: aqueous, nonpreserved",  # 7
        *mfr.calculations,  # 8
        "Keep out of reach of children",  # 9
        "Avoid sunlight / UV exposure",
        "Spread a thin film on a glass slide.",  # 10
        "pH 5.0-7.0",
        OTHER,  # 11
        "A. Chen",
        "B. Diaz",
        mfr.content_hash,
    ]


def test_mfr_html_shows_every_usp_element(mfr: MasterFormulationRecord) -> None:
    page = mfr_to_html(mfr)
    text = _text(page)
    for number, name in MFR_ELEMENTS.items():
        assert f"<h2>{number}. {html.escape(name[0].upper() + name[1:])}</h2>" in page
    for fact in _mfr_facts(mfr):
        assert fact in text, fact
    assert "MISSING" not in text
    assert "Approved by" in text
    assert "Signature:" in text
    assert "Date:" in text


def test_mfr_markdown_shows_every_usp_element(mfr: MasterFormulationRecord) -> None:
    text = mfr_to_markdown(mfr)
    for number, name in MFR_ELEMENTS.items():
        assert f"\n## {number}. {name[0].upper()}{name[1:]}\n" in text
    for fact in _mfr_facts(mfr):
        assert fact in text, fact
    assert "MISSING" not in text
    assert "Approved by (B. Diaz on 2024-02-20): ______" in text


def test_missing_elements_are_marked_in_their_sections(mfr: MasterFormulationRecord) -> None:
    draft = attrs.evolve(mfr.revise(), steps=(), description=None)
    text = mfr_to_markdown(draft)
    four = text.split("## 4.")[1].split("## 5.")[0]
    assert "**MISSING: no compounding steps**" in four
    assert "**MISSING: no physical description**" in text.split("## 5.")[1].split("## 6.")[0]
    assert text.count("MISSING") == 2
    assert "DRAFT: not approved" in text
    assert "MISSING: no compounding steps" in _text(mfr_to_html(draft))


def test_html_is_self_contained_printable_and_escaped(mfr: MasterFormulationRecord) -> None:
    hostile = attrs.evolve(
        mfr.revise(),
        steps=(CompoundingStep('<script>alert("x")</script> & <img src=x>', ("a|b",)),),
    )
    page = mfr_to_html(hostile)
    assert page.startswith("<!DOCTYPE html>")
    assert "<style>" in page
    assert "@page" in page
    assert "@media print" in page
    assert "<script" not in page
    assert "<img" not in page
    clean = mfr_to_html(mfr).lower()
    for external in ("<script", "<link", "src=", "http://", "https://", "url(", "@import"):
        assert external not in clean, external
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x&gt;" in page
    markdown = mfr_to_markdown(hostile)
    assert "<script>" not in markdown
    assert "<img" not in markdown
    assert "&lt;script>" in markdown
    assert "USP <795>" in markdown  # not a tag: kept readable


def test_cr_worksheet_has_the_batch_sheet_deviations_and_signatures(
    cr: CompoundingRecord,
) -> None:
    markdown = cr_to_markdown(cr)
    page = cr_to_html(cr)
    for number, name in CR_ELEMENTS.items():
        assert f"\n## {number}. {name[0].upper()}{name[1:]}\n" in markdown
        assert f"<h2>{number}. {html.escape(name[0].upper() + name[1:])}</h2>" in page
    facts = [
        "RX-1001",
        "2024-03-01 09:30:00",
        "Compounded by: C. Evans",
        "Verified by: B. Diaz",
        "| Ketoprofen | active | Acme | K7 | 2024-03-10 |",
        "| Ketoprofen | 12.000 g | 12.010 g | +0.01 g | +0.08 % |",
        "| Cyclobenzaprine | 2.400 g | 2.376 g | -0.024 g | -1.00 % |",
        "| Lipoderm ActiveMax |  | q.s. |  |  | 87.600 g |  |",  # the batch sheet
        "Lipoderm ActiveMax: q.s. 120 - 32.4 = 87.6 g",  # the calculation trail
        "BUD: 2024-03-10",
        "by the expiry of Ketoprofen lot K7 (2024-03-10)",
        "| pH | pH 5.0-7.0 | 6.1 | pass |",
        "Mixed 2 minutes longer than the MFR says",
        "| Cyclobenzaprine | 2.400 g | 2.376 g | -0.024 g | -1.00 % | ±5 % within |",
        f"Content hash (SHA-256): {cr.mfr_hash}",
        "MFR approved by B. Diaz on 2024-02-20",
        "Use by (BUD): 2024-03-10",
        "Compounded by (C. Evans): ______",
        "Verified by (B. Diaz): ______",
    ]
    for fact in facts:
        assert fact in markdown, fact
    text = _text(page)
    for fact in ("RX-1001", "+0.01 g", "-1.00 %", "87.6 g", "Use by (BUD): 2024-03-10"):
        assert fact in text, fact
    assert "MISSING: no lot number for Cyclobenzaprine" in markdown
    # -1 % is within the +/- 5 % tolerance: a weighing, not a deviation (element 13)
    assert "Cyclobenzaprine" not in markdown.split("## 13.")[1].split("\n## ")[0]


def test_pdf_without_the_extra_names_the_install_command(
    mfr: MasterFormulationRecord, monkeypatch: Any
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    with pytest.raises(PdfUnavailableError, match=r"pip install compoundkit\[pdf\]"):
        html_to_pdf(mfr_to_html(mfr))


def test_pdf_text_shows_the_elements(mfr: MasterFormulationRecord) -> None:
    # The one allowed skip: PDF output is the optional `pdf` extra (WeasyPrint).
    pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    pdf = html_to_pdf(mfr_to_html(mfr))
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for fact in (
        "Master formulation record: Muscle spasm cream",
        "3. Container-closure system",
        "7. Reference supporting the beyond-use date",
        "11. Other information needed to reproduce the preparation",
        "light-resistant airless pump",
        "Smooth, off-white, odourless cream",
        "14 days",
        "Ketoprofen: 100 g x 10 % w/w = 10 g -> weigh 10 g",
    ):
        assert fact in text, fact
