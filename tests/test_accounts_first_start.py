"""First start: `flask ensure-admin` (run by scripts/run) creates one administrator with a random
password, prints it once and keeps it in instance/ (mode 0600); there is no default password."""

import re
import subprocess
from pathlib import Path

from conftest import ROOT
from sqlmodel import select

from tracker.accounts.models import User
from tracker.audit.models import AuditEntry


def _password(output: str) -> str:
    return re.search(r"密码 (\S+)", output).group(1)


def test_ensure_admin_creates_the_first_administrator_once(app, runner, client, db):
    first = runner.invoke(args=["ensure-admin"])
    assert first.exit_code == 0, first.output
    password = _password(first.output)
    assert len(password) >= 16
    path = Path(app.instance_path) / "admin-password.txt"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text() == f"username: admin\npassword: {password}\n"
    (admin,) = db.exec(select(User)).all()
    assert admin.username == "admin" and admin.role == "admin" and admin.is_active
    assert password not in admin.password_hash
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "user")).one().username == "命令行"

    second = runner.invoke(args=["ensure-admin"])
    assert second.exit_code == 0 and second.output == ""  # nothing printed again
    assert len(db.exec(select(User)).all()) == 1
    assert path.read_text() == f"username: admin\npassword: {password}\n"  # file untouched

    response = client.post_form("/login", {"username": "admin", "password": password})
    assert response.status_code == 302
    assert client.get("/users").status_code == 200


def test_each_installation_gets_its_own_password(app, runner, db, engine):
    from conftest import _empty_tables

    one = _password(runner.invoke(args=["ensure-admin"]).output)
    _empty_tables(engine)
    two = _password(runner.invoke(args=["ensure-admin"]).output)
    assert one != two


def test_no_default_password_in_the_source():
    """Nothing in the code, scripts or docs names a fixed administrator password."""
    tracked = subprocess.run(
        ["git", "ls-files", "tracker", "scripts", "README.md", "templates"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pattern = re.compile(r"(admin|default)[_ -]?pass(word)?\s*[:=]\s*['\"]\w+", re.I)
    for name in tracked:
        text = (ROOT / name).read_text(encoding="utf-8", errors="ignore")
        assert not pattern.search(text), name
        assert "admin123" not in text and "password: admin" not in text, name


def test_changing_the_first_password_removes_the_file(app, runner, client):
    password = _password(runner.invoke(args=["ensure-admin"]).output)
    path = Path(app.instance_path) / "admin-password.txt"
    client.post_form("/login", {"username": "admin", "password": password})
    response = client.post_form(
        "/account/password",
        {"current": password, "new": "operator-chosen-9876", "confirm": "operator-chosen-9876"},
        page_url="/account",
    )
    assert response.status_code == 302
    assert not path.exists()
