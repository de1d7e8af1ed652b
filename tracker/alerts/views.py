"""The 预警 page, acknowledging an alert, the home-page card and GET /api/alerts."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from tracker import clock
from tracker.accounts.web import current_actor, requires
from tracker.alerts import services
from tracker.alerts.forms import AcknowledgeForm
from tracker.alerts.logic import days_overdue
from tracker.alerts.models import KINDS
from tracker.db import Page, get_session

bp = Blueprint("alerts", __name__)
PAGE_SIZE = 50
SCOPES = {"builder": 100, "subdistrict": 40}  # the page's filters and their longest values


@bp.route("/alerts")
@requires("view")
def index():
    db, today = get_session(), clock.today()
    where = {k: (request.args.get(k) or "").strip()[:n] for k, n in SCOPES.items()}
    page = Page.from_request(PAGE_SIZE)
    summary = services.per_project(db)
    rows, total = services.project_page(
        db, summary, today, **where, page=page.number, size=page.size
    )
    return render_template(
        "alerts/index.html",
        rows=rows,
        page=page.counted(total),
        args={k: v for k, v in where.items() if v},
        by_builder=services.grouped(summary, "builder", today),
        by_subdistrict=services.grouped(summary, "subdistrict", today),
        counts=services.counts(db, summary),
        last_scan=services.last_scan(db),
        kinds=KINDS,
        today=today,
        days_overdue=days_overdue,
        form=AcknowledgeForm(),
    )


@bp.route("/alerts/acknowledge", methods=["POST"])
@requires("alert.acknowledge")
def acknowledge():
    form = AcknowledgeForm()
    back = form.back.data if (form.back.data or "").startswith("/alerts") else url_for(".index")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
        return redirect(back)
    count = services.acknowledge(
        get_session(),
        actor=current_actor(),
        alert_ids=form.alert_ids(),
        note=form.note.data.strip(),
    )
    if not count:
        abort(404)
    flash(f"已确认 {count} 条预警；原因消除后预警会自动关闭", "success")
    return redirect(back)


@bp.route("/api/alerts")
@requires("view")
def api_alerts():
    today, page = clock.today(), Page.from_request(200, largest=1000)
    rows, total = services.open_alerts(get_session(), page=page.number, size=page.size)
    return jsonify(
        {
            "count": total,
            "page": page.number,
            "per_page": page.size,
            "today": today.isoformat(),
            "alerts": [_alert_json(row, today) for row in rows],
        }
    )


def _alert_json(row, today) -> dict:
    a, code, name, builder, subdistrict = row
    return {
        "id": a.id,
        "project_code": code,
        "project_name": name,
        "builder": builder,
        "subdistrict": subdistrict,
        "kind": a.kind,
        "kind_label": KINDS.get(a.kind, a.kind),
        "milestone": a.milestone_name or None,
        "due_on": a.due_on.isoformat() if a.due_on else None,
        "days_overdue": days_overdue(a.kind, a.due_on, today),
        "message": a.message,
        "opened_on": a.opened_on.isoformat(),
        "acknowledged": a.acknowledged_at is not None,
        "acknowledged_by": a.acknowledged_by or None,
        "ack_note": a.ack_note or None,
    }


def home_card(session, _today) -> dict:
    return {"counts": services.counts(session), "kinds": KINDS}
