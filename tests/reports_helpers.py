"""Shared arrangements of the report tests: a fixed today, a project with laid-out milestones,
the report form as a browser posts it."""

import io
from datetime import date

from conftest import make_project

from tracker.milestones import services as milestones

TODAY = date(2025, 4, 5)  # March's reports are due on 10 April


def project(app, db, **overrides):
    p = make_project(db, **overrides)
    with app.app_context():
        milestones.lay_out(db, [p.id], TODAY)
    db.commit()
    return p


def form(**changes) -> dict:
    data = {
        "period": "2025-03",
        "progress_text": "主体结构施工至三层",
        "progress_percent": "45",
        "percent_reason": "",
        "stage_reached": "",
        "stage_reached_on": "",
        "month_completed": "120.50",
        "cumulative": "3400.25",
        "problems": "雨季影响土方外运",
        "next_steps": "完成四层结构",
        "coordination": "",
        "caption_1": "",
        "caption_2": "",
        "caption_3": "",
        "action": "save",
    }
    return data | changes


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def multipart(fields: dict) -> tuple[bytes, str]:
    """A multipart body built as bytes. The test client would spool a large body to a temporary
    file that it never closes when the server refuses the request early."""
    boundary = "----tracker-report-boundary"
    parts = []
    for name, value in fields.items():
        if isinstance(value, tuple):
            stream, filename = value
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            )
            parts.append(head.encode() + stream.read() + b"\r\n")
        else:
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(head.encode() + str(value).encode() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
