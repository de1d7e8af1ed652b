"""首页."""

from flask import Blueprint, render_template

from tracker import clock, extend
from tracker.config import settings
from tracker.db import get_session
from tracker.projects import services
from tracker.projects.filters import ProjectFilter

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    db = get_session()
    return render_template(
        "home.html",
        totals=services.totals(db, ProjectFilter(), settings().class_sizes),
        window=settings().plan_window,
        cards=extend.home_cards(db, clock.today()),
        today=clock.today(),
    )
