"""Monthly reports through the real routes with CSRF on: filing with photos, returning and
accepting, the finance month row, a new version after acceptance, deletion and purge, and every
kind of bad input refused with a Chinese message naming the field, nothing half-saved and no
file left behind."""

from datetime import date

import pytest
import report_files as rf
from reports_helpers import TODAY, form, multipart, project, upload
from sqlmodel import func, select

from tracker import clock
from tracker.audit.models import AuditEntry
from tracker.finance.models import InvestmentMonth
from tracker.reports.models import MonthlyReport, ReportPhoto


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def store_files(app) -> list:
    root = __import__("pathlib").Path(app.instance_path) / "report-photos"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def fetch(client, url):
    """GET a file response, read it whole and close it (send_file holds the file open)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def reports(db) -> list[MonthlyReport]:
    db.expire_all()
    return list(db.exec(select(MonthlyReport).order_by(MonthlyReport.id)))


def file_report(client, p, **changes):
    url = f"/projects/{p.code}/reports/new"
    fields = {"csrf_token": client.csrf_token(url)} | form(**changes)
    body, content_type = multipart(fields)
    return client.post(url, data=body, content_type=content_type)


def test_pm_files_returns_resubmits_and_admin_accepts(app, client, auth, db):
    p = project(app, db, code="R-1", name="报告测试小学")
    pm = auth.login("pm", projects=[p])
    response = file_report(
        client,
        p,
        action="submit",
        photo_1=upload(rf.jpeg(orientation=6, gps=(30.0301, 120.5702)), "IMG_0001.jpg"),
        caption_1="东立面",
        photo_2=upload(rf.png(), "site.png"),
        caption_2="基坑",
        coordination="需协调电力迁改",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    (report,) = reports(db)
    assert (report.status, report.revision, report.period) == ("submitted", 1, "2025-03")
    assert (report.month_completed_fen, report.cumulative_fen) == (120_500_000, 3_400_250_000)
    assert report.needs_coordination and report.filed_by == pm.username
    rows = db.exec(select(ReportPhoto).where(ReportPhoto.report_id == report.id)).all()
    assert [r.caption for r in rows] == ["东立面", "基坑"]
    assert (rows[0].width, rows[0].height) == (300, 400)  # EXIF orientation 6 applied
    assert rows[0].distance_m is not None and not rows[0].far
    assert len(store_files(app)) == 6  # original, display copy and thumbnail of each
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "待审核" in page and "东立面" in page and "距项目" in page
    auth.logout()

    auth.login("admin")
    refused = client.post_form(
        f"/reports/{report.id}/review",
        {"decision": "return", "comment": "", "version": str(report.version)},
        page_url=f"/reports/{report.id}",
    )
    assert refused.status_code == 303
    assert reports(db)[0].status == "submitted"
    returned = client.post_form(
        f"/reports/{report.id}/review",
        {"decision": "return", "comment": "照片不清楚，请补拍", "version": str(report.version)},
        page_url=f"/reports/{report.id}",
    )
    assert returned.status_code == 302
    assert reports(db)[0].status == "returned"
    auth.logout()

    client.post_form("/login", {"username": pm.username, "password": "correct-horse-battery"})
    report = reports(db)[0]
    assert "照片不清楚" in client.get(f"/reports/{report.id}/edit").get_data(as_text=True)
    resubmitted = client.post_form(
        f"/reports/{report.id}/edit",
        form(
            action="submit",
            version=str(report.version),
            photo_1=upload(rf.jpeg(color=(20, 20, 20)), "补拍.jpg"),
            caption_1="补拍",
        ),
        content_type="multipart/form-data",
    )
    assert resubmitted.status_code == 302, resubmitted.get_data(as_text=True)[:3000]
    assert reports(db)[0].status == "submitted"
    auth.logout()

    client.post_form("/login", {"username": "admin-user", "password": "correct-horse-battery"})
    report = reports(db)[0]
    accepted = client.post_form(
        f"/reports/{report.id}/review",
        {"decision": "accept", "comment": "", "version": str(report.version)},
        page_url=f"/reports/{report.id}",
    )
    assert accepted.status_code == 302
    assert reports(db)[0].status == "accepted"
    month = db.exec(
        select(InvestmentMonth).where(
            InvestmentMonth.project_id == p.id,
            InvestmentMonth.year == 2025,
            InvestmentMonth.month == 3,
        )
    ).one()
    assert month.completed_fen == reports(db)[0].month_completed_fen == 120_500_000
    history = client.get(f"/projects/{p.code}").get_data(as_text=True)
    assert "本月完成投资取自审核通过的月报" in history
    entries = db.exec(select(AuditEntry).where(AuditEntry.entity == "report")).all()
    assert {e.action for e in entries} >= {"create", "submit", "review", "update"}
    assert any("退回修改" in e.detail for e in entries)


def test_a_change_after_acceptance_is_a_new_version(app, client, auth, db):
    p = project(app, db, code="R-2")
    auth.login("admin")
    file_report(client, p, action="submit", photo_1=upload(rf.jpeg(), "a.jpg"))
    first = reports(db)[0]
    client.post_form(
        f"/reports/{first.id}/review",
        {"decision": "accept", "version": str(first.version)},
        page_url=f"/reports/{first.id}",
    )
    first = reports(db)[0]
    revised = client.post_form(
        f"/reports/{first.id}/revise",
        {"version": str(first.version)},
        page_url=f"/reports/{first.id}",
    )
    assert revised.status_code == 302
    old, new = reports(db)
    assert (old.status, old.current, new.status, new.revision, new.current) == (
        "accepted",
        False,
        "draft",
        2,
        True,
    )
    assert db.exec(select(func.count()).where(ReportPhoto.report_id == new.id)).one() == 1
    saved = client.post_form(
        f"/reports/{new.id}/edit",
        form(action="submit", month_completed="130", cumulative="3500", version=str(new.version)),
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    new = reports(db)[1]
    client.post_form(
        f"/reports/{new.id}/review",
        {"decision": "accept", "version": str(new.version)},
        page_url=f"/reports/{new.id}",
    )
    old, new = reports(db)
    assert (old.status, new.status) == ("superseded", "accepted")
    month = db.exec(select(InvestmentMonth).where(InvestmentMonth.project_id == p.id)).one()
    assert month.completed_fen == 130_000_000
    assert len(store_files(app)) == 3  # the new version shares the stored file


def test_deleted_draft_keeps_files_until_purged(app, client, auth, db, runner):
    p = project(app, db, code="R-3")
    auth.login("pm", projects=[p])
    file_report(client, p, photo_1=upload(rf.jpeg(), "a.jpg"))
    report = reports(db)[0]
    photo = db.exec(select(ReportPhoto)).one()
    deleted = client.post_form(
        f"/reports/{report.id}/delete",
        {"version": str(report.version)},
        page_url=f"/reports/{report.id}",
    )
    assert deleted.status_code == 302
    assert reports(db)[0].deleted_at is not None
    assert len(store_files(app)) == 3
    assert client.get(f"/reports/photos/{photo.id}/thumb").status_code == 404  # PM: gone
    # The month can be filed again.
    assert file_report(client, p).status_code == 302
    result = runner.invoke(args=["purge-report-photos"])
    assert result.exit_code == 0, result.output
    assert "已删除的月报 1 份" in result.output
    assert store_files(app) == []
    assert len(reports(db)) == 1


def test_photos_are_served_only_through_the_permission_check(app, client, auth, db):
    p = project(app, db, code="R-4")
    auth.login("pm", projects=[p])
    file_report(client, p, photo_1=upload(rf.jpeg(), "a.jpg"))
    photo = db.exec(select(ReportPhoto)).one()
    ok = fetch(client, f"/reports/photos/{photo.id}/thumb")
    assert ok.status_code == 200 and ok.mimetype == "image/jpeg"
    original = fetch(client, f"/reports/photos/{photo.id}/original")
    assert original.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/reports/photos/{photo.id}/../../etc").status_code == 404
    auth.logout()
    anonymous = client.get(f"/reports/photos/{photo.id}/thumb")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert (
        client.get(f"/static/report-photos/{photo.sha256[:2]}/{photo.sha256}.jpg").status_code
        == 404
    )


# --- bad input ------------------------------------------------------------------------------


BAD = [
    ({"progress_percent": "101"}, "形象进度百分比（0–100）：不能超过 100"),
    ({"progress_percent": "-5"}, "不能为负数"),
    ({"progress_percent": "六十"}, "不是 0–100 的整数"),
    ({"month_completed": "-12"}, "本月完成投资（万元）：金额不能为负数"),
    ({"cumulative": "abc"}, "累计完成投资（万元）：「abc」不是数字"),
    ({"cumulative": "100", "month_completed": "200"}, "累计完成投资 100.00 万元少于本月完成投资"),
    ({"period": "2025-05"}, "报告期 2025年5月 还没有到"),
    ({"period": "2025-13"}, "不是有效的月份"),
    ({"period": "下个月"}, "不是月份"),
    ({"progress_text": "进" * 2001}, "形象进度：内容过长"),
    ({"stage_reached": "开工", "stage_reached_on": "2025-02-01"}, "不在报告期 2025年3月 内"),
    (
        {"stage_reached": "不存在的阶段", "stage_reached_on": "2025-03-01"},
        "没有「不存在的阶段」这个阶段",
    ),
    ({"action": "submit", "progress_text": ""}, "提交前请填写形象进度"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_figures_are_refused_on_their_field(app, client, auth, db, changes, message):
    p = project(app, db, code="R-5")
    auth.login("pm", projects=[p])
    written = select(func.count(AuditEntry.id)).where(AuditEntry.action != "refused")
    before = db.exec(written).one()
    response = file_report(client, p, photo_1=upload(rf.jpeg(), "ok.jpg"), **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert message in page
    assert "没有保存" in page
    assert reports(db) == []
    assert store_files(app) == []
    db.expire_all()
    assert db.exec(written).one() == before


def test_lower_percent_than_last_month_needs_a_reason(app, client, auth, db):
    p = project(app, db, code="R-6")
    auth.login("admin")
    file_report(client, p, period="2025-02", action="submit", progress_percent="50")
    assert reports(db)[0].status == "submitted"
    lower = file_report(client, p, progress_percent="40")
    assert lower.status_code == 422
    assert "低于上月（2025年2月）的 50%" in lower.get_data(as_text=True)
    assert len(reports(db)) == 1
    explained = file_report(client, p, progress_percent="40", percent_reason="复核后扣除返工部分")
    assert explained.status_code == 302
    shrinking = reports(db)[1]
    assert shrinking.progress_percent == 40


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (rf.pdf(), "现场.jpg", "不是 JPEG、PNG 或 HEIC 格式的图片（文件内容是PDF 文档）"),
        (rf.png_bomb(), "bomb.png", "图片像素过多（约 40,000 万像素），超过 6,400 万像素的上限"),
        (rf.truncated_jpeg(), "half.jpg", "图片文件不完整或已损坏"),
        (rf.big_file(16), "huge.jpg", "文件大小 16.0 MB，超过每张照片 15.0 MB 的上限"),
        (b"", "empty.jpg", "文件是空的"),
    ],
)
def test_bad_photos_are_refused_and_leave_no_file(app, client, auth, db, data, name, message):
    p = project(app, db, code="R-7")
    auth.login("pm", projects=[p])
    response = file_report(
        client,
        p,
        photo_1=upload(rf.jpeg(), "good.jpg"),
        photo_2=upload(data, name),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert f"照片 2「{name}」：{message}" in page
    assert reports(db) == [] and store_files(app) == []


def test_a_60_mb_upload_is_refused_naming_the_photos(app, client, auth, db):
    p = project(app, db, code="R-8")
    auth.login("pm", projects=[p])
    response = file_report(client, p, photo_1=upload(rf.big_file(60), "huge.jpg"))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "照片：本次提交共 60.0 MB，超过每次 50 MB 的上限" in page and "没有保存" in page
    assert reports(db) == [] and store_files(app) == []


def test_hostile_captions_and_file_names(app, client, auth, db):
    p = project(app, db, code="R-9")
    auth.login("pm", projects=[p])
    hostile = "<script>alert(1)</script>\u202egpj.exe\x00"
    response = file_report(
        client,
        p,
        photo_1=upload(rf.jpeg(), "../../etc/pass\u202ewd<b>.jpg"),
        caption_1=hostile,
        problems='=HYPERLINK("http://x")\x07',
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    photo = db.exec(select(ReportPhoto)).one()
    assert photo.original_name == "passwd<b>.jpg"
    assert photo.caption == "<script>alert(1)</script>gpj.exe"
    page = client.get(f"/reports/{reports(db)[0].id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    too_long = file_report(
        client, p, period="2025-02", photo_1=upload(rf.jpeg(), "a.jpg"), caption_1="长" * 201
    )
    assert too_long.status_code == 422
    assert "照片 1 说明：内容过长：201 字，最多 200 字" in too_long.get_data(as_text=True)


def test_duplicate_month_is_refused(app, client, auth, db):
    p = project(app, db, code="R-10")
    auth.login("pm", projects=[p])
    assert file_report(client, p).status_code == 302
    again = file_report(client, p, photo_1=upload(rf.jpeg(), "b.jpg"))
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "2025年3月 已有月报（第 1 版，草稿），每月只能有一份" in page
    assert len(reports(db)) == 1 and store_files(app) == []


def test_a_pm_cannot_file_for_a_project_not_assigned(app, client, auth, db):
    mine = project(app, db, code="R-11")
    theirs = project(app, db, code="R-12")
    auth.login("pm", projects=[mine])
    assert client.get(f"/projects/{theirs.code}/reports/new").status_code == 403
    response = client.post(
        f"/projects/{theirs.code}/reports/new",
        data=form(photo_1=upload(rf.jpeg(), "a.jpg")) | {"csrf_token": client.csrf_token("/")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403 and "没有权限进行此操作" in response.get_data(as_text=True)
    assert reports(db) == [] and store_files(app) == []
    # Nor review, nor reach another PM's report through its id.
    auth.logout()
    auth.login("admin")
    file_report(client, theirs)
    report = reports(db)[0]
    auth.logout()
    client.post_form("/login", {"username": "pm-user", "password": "correct-horse-battery"})
    edit = client.post(
        f"/reports/{report.id}/edit",
        data=form(version=str(report.version)) | {"csrf_token": client.csrf_token("/")},
        content_type="multipart/form-data",
    )
    assert edit.status_code == 403
    review = client.post(
        f"/reports/{report.id}/review",
        data={"decision": "accept", "csrf_token": client.csrf_token("/"), "version": "1"},
    )
    assert review.status_code == 403


def test_finance_staff_cannot_review(app, client, auth, db):
    p = project(app, db, code="R-13")
    auth.login("admin")
    file_report(client, p, action="submit")
    report = reports(db)[0]
    auth.logout()
    auth.login("finance")
    response = client.post(
        f"/reports/{report.id}/review",
        data={
            "decision": "accept",
            "csrf_token": client.csrf_token("/"),
            "version": str(report.version),
        },
    )
    assert response.status_code == 403
    assert reports(db)[0].status == "submitted"


def test_a_stale_edit_gets_the_one_409_page_and_leaves_no_file(app, client, auth, db):
    p = project(app, db, code="R-14")
    auth.login("pm", projects=[p])
    file_report(client, p)
    report = reports(db)[0]
    stale = str(report.version)
    first = client.post_form(
        f"/reports/{report.id}/edit",
        form(version=stale, problems="第一次修改"),
        content_type="multipart/form-data",
    )
    assert first.status_code == 302
    second = client.post_form(
        f"/reports/{report.id}/edit",
        form(version=stale, problems="第二次修改", photo_1=upload(rf.jpeg(), "late.jpg")),
        content_type="multipart/form-data",
    )
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "第一次修改" in page and "第二次修改" in page  # what others saved, what was typed
    assert reports(db)[0].problems == "第一次修改"
    assert store_files(app) == []
    assert db.exec(select(func.count(ReportPhoto.id))).one() == 0


def test_heic_photo_is_read(app, client, auth, db):
    p = project(app, db, code="R-15")
    auth.login("pm", projects=[p])
    response = file_report(client, p, photo_1=upload(rf.heic(), "IMG_2001.HEIC"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    photo = db.exec(select(ReportPhoto)).one()
    assert photo.ext == "heic"
    view = fetch(client, f"/reports/photos/{photo.id}/view")
    assert view.mimetype == "image/jpeg"


def test_far_photo_is_flagged_not_refused(app, client, auth, db):
    p = project(app, db, code="R-16", lat=30.03, lon=120.57)
    auth.login("pm", projects=[p])
    response = file_report(client, p, photo_1=upload(rf.jpeg(gps=(31.23, 121.47)), "shanghai.jpg"))
    assert response.status_code == 302
    photo = db.exec(select(ReportPhoto)).one()
    assert photo.far and photo.distance_m > 100_000
    page = client.get(f"/reports/{reports(db)[0].id}").get_data(as_text=True)
    assert "请核实" in page


def test_stage_reached_goes_through_the_registered_confirmer(app, client, auth, db):
    calls = []

    def confirm(session, *, actor, project, stage, on, today, note):
        if stage == "主体结顶":
            raise ValueError("日期早于前一阶段「开工」的实际日期")
        calls.append((project.code, stage, on, today, note))

    app.extensions["progress_confirmer"] = confirm
    p = project(app, db, code="R-17")
    auth.login("pm", projects=[p])
    ok = file_report(
        client, p, action="submit", stage_reached="开工", stage_reached_on="2025-03-20"
    )
    assert ok.status_code == 302
    assert calls == [("R-17", "开工", date(2025, 3, 20), TODAY, "由2025年3月月报确认")]
    refused = file_report(
        client,
        p,
        period="2025-02",
        action="submit",
        stage_reached="主体结顶",
        stage_reached_on="2025-02-20",
    )
    assert refused.status_code == 422
    assert "本月到达阶段无法确认：日期早于前一阶段" in refused.get_data(as_text=True)
    assert len(reports(db)) == 1  # nothing of the refused one is kept
