"""Typesetting rules checked on ReportLab's own line breaks, and the font choice with fallbacks."""

import io
import logging

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from tracker.briefs import fonts
from tracker.briefs.logic import project_brief_data
from tracker.briefs.pdf import para, styles
from tracker.briefs.render_project import render_project_brief
from tracker.config import DEFAULT_CLASS_SIZES
from tracker.projects.logic import seats
from tracker.projects.models import Project

FORBIDDEN_STARTS = "，。、；：！？）》"


def wrapped_lines(paragraph: Paragraph, width: float) -> list[str]:
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:  # one style: (extra space, [text]) per line
        return ["".join(words) for _, words in lines]
    return ["".join(w.text for w in line.words) for line in lines]


@pytest.mark.parametrize("mark", list(FORBIDDEN_STARTS))
def test_closing_punctuation_never_starts_a_line(mark):
    st = styles(fonts.brief_font())
    size = st["body"].fontSize
    starts = []
    for before in range(1, 25):  # slide the mark across the line end
        text = "字" * before + mark + "字" * 30
        lines = wrapped_lines(para(text, st["body"]), size * 10)
        assert len(lines) > 1
        starts += [line[0] for line in lines[1:]]
    assert mark not in starts


def test_text_that_looks_like_markup_is_printed_as_text():
    st = styles(fonts.brief_font())
    lines = wrapped_lines(para("<b>粗</b>&amp;<br/>", st["body"]), 400)
    assert "".join(lines) == "<b>粗</b>&amp;<br/>"


def _render_with(font) -> PdfReader:
    project = Project(id=1, code="F-1", name="字体测试小学", stage="小学", classes_total=24)
    data = project_brief_data(
        project,
        seats=seats(project, DEFAULT_CLASS_SIZES),
        health=None,
        milestones=[],
        yearly=[],
        flags=[],
        as_of=__import__("datetime").date(2026, 6, 1),
        window=(2021, 2025),
    )
    return PdfReader(io.BytesIO(render_project_brief(data, font, author="测试")))


def test_default_font_is_embedded_truetype():
    font = fonts.brief_font()
    assert font.embedded and font.path == fonts.DEFAULT_FONT
    reader = _render_with(font)
    descriptor = None
    for ref in reader.pages[0]["/Resources"]["/Font"].values():
        if "WenQuanYi" in str(ref.get_object()["/BaseFont"]):
            descriptor = ref.get_object()["/FontDescriptor"].get_object()
    assert descriptor is not None and "/FontFile2" in descriptor
    assert "字体测试小学" in reader.pages[0].extract_text()


def test_pdf_font_setting_points_at_another_ttf(monkeypatch):
    other = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not __import__("os").path.exists(other):
        pytest.skip("DejaVu is not installed")
    monkeypatch.setattr(fonts, "_registered", {})
    font = fonts.brief_font(other)
    assert font.embedded and font.path == other


def test_missing_font_falls_back_to_cid_font_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "_registered", {})
    monkeypatch.setattr(fonts, "DEFAULT_FONT", "/nonexistent/wqy.ttc")
    with caplog.at_level(logging.WARNING, logger="tracker.briefs.fonts"):
        font = fonts.brief_font("/nonexistent/custom.ttf")
    assert font.name == "STSong-Light" and not font.embedded
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "/nonexistent/custom.ttf" in messages and "fonts-wqy-microhei" in messages
    reader = _render_with(font)
    assert "字体测试小学" in reader.pages[0].extract_text()


def test_unusable_font_file_is_skipped_with_a_warning(monkeypatch, caplog, tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all")
    monkeypatch.setattr(fonts, "_registered", {})
    with caplog.at_level(logging.WARNING, logger="tracker.briefs.fonts"):
        font = fonts.brief_font(str(broken))
    assert font.embedded and font.path == fonts.DEFAULT_FONT
    assert "broken.ttf" in caplog.text


@pytest.mark.parametrize("mark", list(FORBIDDEN_STARTS))
def test_table_cells_keep_closing_marks_off_the_line_start(mark):
    """Table cells are broken by our own LineBreaker (fast for 10,000 rows): same rule."""
    from tracker.briefs.table import LineBreaker

    font = fonts.brief_font()
    breaker = LineBreaker(font.name, 8)
    starts, broke_before_mark = [], False
    for before in range(1, 25):
        lines = breaker.lines("字" * before + mark + "字" * 30, 8 * 10)
        assert "".join(lines) == "字" * before + mark + "字" * 30  # nothing lost
        starts += [line[0] for line in lines[1:]]
        broke_before_mark |= any(line.startswith("字" + mark) for line in lines[1:])
    assert mark not in starts
    assert broke_before_mark  # the rule was exercised: a character was carried down with it


def test_table_cells_keep_opening_marks_off_the_line_end():
    from tracker.briefs.table import LineBreaker

    breaker = LineBreaker(fonts.brief_font().name, 8)
    for before in range(1, 25):
        lines = breaker.lines("字" * before + "《规划》" + "字" * 30, 8 * 10)
        assert not any(line.endswith("《") for line in lines)
