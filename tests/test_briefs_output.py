"""Briefs written to folders: the make-briefs command and the weekly scheduled job."""

import io
from datetime import date

from pypdf import PdfReader

from tracker.briefs.jobs import weekly_portfolio_brief
from tracker.briefs.output import safe_name
from tracker.jobs import JOBS


def test_make_briefs_writes_one_per_project_and_the_portfolio(seeded, runner, tmp_path):
    out = tmp_path / "briefs"
    result = runner.invoke(args=["make-briefs", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成 36 份简报" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert "portfolio.pdf" in files and "YC2022-01.pdf" in files and len(files) == 36
    assert not [name for name in files if name.endswith(".part")]
    reader = PdfReader(io.BytesIO((out / "YC2022-01.pdf").read_bytes()))
    assert "鲁迅小学教育集团凤鸣校区" in reader.pages[0].extract_text()
    text = "".join(p.extract_text() for p in PdfReader(out / "portfolio.pdf").pages)
    assert "77.80" in text and "48.39" in text


def test_make_briefs_keeps_going_when_one_project_fails(seeded, runner, tmp_path, monkeypatch):
    from tracker.briefs import output

    real = output.render_project_brief

    def flaky(data, font, *, author):
        if data["code"] == "YC2022-05":
            raise RuntimeError("boom")
        return real(data, font, author=author)

    monkeypatch.setattr(output, "render_project_brief", flaky)
    result = runner.invoke(args=["make-briefs", str(tmp_path)])
    assert result.exit_code == 1
    assert "YC2022-05" in result.output
    assert (tmp_path / "YC2022-06.pdf").exists() and (tmp_path / "portfolio.pdf").exists()


def test_weekly_job_is_declared_and_writes_into_the_configured_folder(seeded, app, tmp_path):
    job = next(j for j in JOBS if j.id == "weekly-portfolio-brief")
    assert job.func == "tracker.briefs.jobs:weekly_portfolio_brief"
    app.config["BRIEF_OUTPUT_DIR"] = str(tmp_path / "weekly")
    path = weekly_portfolio_brief(app, date(2026, 6, 1))
    assert path == tmp_path / "weekly" / "项目总体简报-2026-06-01.pdf"
    assert (tmp_path / "weekly" / "latest.pdf").read_bytes() == path.read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "数据截至 2026-06-01" in text and "77.80" in text


def test_weekly_job_defaults_to_instance_briefs(seeded, app):
    app.config["BRIEF_OUTPUT_DIR"] = ""
    path = weekly_portfolio_brief(app, date(2026, 6, 8))
    assert path.parent.name == "briefs" and str(path).startswith(app.instance_path)


def test_codes_become_safe_file_names():
    assert safe_name("YC2022-01") == "YC2022-01"
    assert "/" not in safe_name("../../etc/passwd") and safe_name("..") == "project"
