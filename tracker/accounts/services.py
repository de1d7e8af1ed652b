"""Users: creating, authenticating, changing passwords, roles and assignments (all audited)."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts import throttle
from tracker.accounts.models import ProjectAssignment, User
from tracker.accounts.roles import ROLES
from tracker.audit import Actor, Change, FieldLabel, apply_change, record
from tracker.db import engine
from tracker.extend import project_refs

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-facing problem with an account request (Chinese message)."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空")
    if role not in ROLES:
        raise AccountError(f"未知角色「{role}」，可选：{'、'.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if session.exec(select(User).where(User.username == username)).first():
        raise AccountError(f"用户名「{username}」已存在")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user",
        entity="user",
        entity_id=username,
        detail=f"新建用户，角色：{ROLES[role]}",
    )
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.is_active:
        # Spend the same effort as a real check so timing does not reveal which names exist.
        check_password_hash(hash_password("x" * MIN_PASSWORD_LENGTH), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


@dataclass(frozen=True)
class SignIn:
    """A login attempt: the user, or why not (for the audit trail), the page's status and message."""

    user: User | None
    reason: str = ""
    status: int = 200
    message: str = ""


def sign_in(
    session: Session, *, username: str, password: str, address: str, now, policy: throttle.Policy
) -> SignIn:
    """Check a login against the password and the failure counters (kept in a transaction of
    their own, so a refused login still counts); a success notes the time of the login."""
    keys = throttle.keys_for(username, address)
    with Session(engine()) as counters:
        wait = throttle.locked_for(counters, keys, now)
        if wait:
            return SignIn(None, f"已锁定，{wait} 秒后可再试", 429, _locked_message(wait))
        user = authenticate(session, username, password)
        if user is None:
            wait = throttle.register_failure(counters, keys, now, policy)
            message = _locked_message(wait) if wait else "用户名或密码错误，或账号已停用"
            return SignIn(None, _why(session, username), 401, message)
        throttle.clear(counters, keys["account"])
    user.last_login_at = now
    session.add(user)
    return SignIn(user)


def _locked_message(wait: int) -> str:
    minutes = -(-wait // 60)
    return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试"


def _why(session: Session, username: str) -> str:
    """For the audit trail only (the page never says which part was wrong)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        return "用户不存在"
    return "账号已停用" if not user.is_active else "密码错误"


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def assigned_project_ids(session: Session, user_id: int) -> set[int]:
    rows = session.exec(
        select(ProjectAssignment.project_id).where(ProjectAssignment.user_id == user_id)
    )
    return set(rows)


def assign(session: Session, *, actor: Actor, user: User, project_id: int) -> None:
    exists = session.exec(
        select(ProjectAssignment).where(
            ProjectAssignment.user_id == user.id, ProjectAssignment.project_id == project_id
        )
    ).first()
    if exists:
        return
    session.add(ProjectAssignment(user_id=user.id, project_id=project_id))
    record(
        session,
        actor=actor,
        action="permission",
        entity="user",
        entity_id=user.username,
        project_id=project_id,
        detail="分配项目",
    )
    session.flush()


def count_users(session: Session) -> int:
    return len(session.exec(select(User.id)).all())


def password_fingerprint(user: User) -> str:
    """Kept in the session: a password change or reset ends every other session of the user."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def check_new_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if password.strip().lower() == username.strip().lower():
        raise AccountError("密码不能与用户名相同")


def change_password(session: Session, *, actor: Actor, user: User, current: str, new: str) -> None:
    """The user changes their own password; the current one must be given."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("当前密码不正确")
    check_new_password(new, user.username)
    _set_password(session, actor=actor, user=user, password=new, detail="本人修改密码")


def reset_password(session: Session, *, actor: Actor, user: User) -> str:
    """An administrator resets a password: a random one, returned to be shown once."""
    password = secrets.token_urlsafe(12)
    _set_password(session, actor=actor, user=user, password=password, detail="管理员重置密码")
    return password


def _set_password(session: Session, *, actor: Actor, user: User, password: str, detail: str):
    def set_hash() -> list[Change]:
        user.password_hash = hash_password(password)
        return []

    # A new version: a user form opened before the change is refused as stale.
    _save(session, actor, user, None, mutate=set_hash, action="user", detail=detail)


def _save(session: Session, actor: Actor, user: User, expected: int | None, **change):
    return apply_change(
        session,
        actor=actor,
        record=user,
        expected_version=expected,
        entity="user",
        entity_id=user.username,
        title=f"用户 {user.username}",
        **change,
    )


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.is_active.desc(), User.username)))


def update_user(
    session: Session,
    *,
    actor: Actor,
    user: User,
    values: dict,
    project_ids: set[int],
    expected_version: int | None,
) -> int:
    """Apply role/name/active changes and the set of assigned projects as one audited save;
    returns how many changes. Refuses a stale form (Conflict), and refuses to let an
    administrator lock themselves out."""
    if values.get("role") not in ROLES:
        raise AccountError("未知角色")
    demoting = values["role"] != "admin" or not values["is_active"]
    if user.id == actor.user_id and user.role == "admin" and demoting:
        raise AccountError("不能停用自己或取消自己的管理员角色（请让另一位管理员操作）")
    fields = {k: values[k] for k in ("display_name", "role", "is_active")}
    current = assigned_project_ids(session, user.id)
    permission = current != project_ids or any(
        fields[k] != getattr(user, k) for k in ("role", "is_active")
    )
    changes = _save(
        session,
        actor,
        user,
        expected_version,
        values=fields,
        mutate=lambda: _set_assignments(session, user=user, project_ids=project_ids),
        action="permission" if permission else "user",
    )
    return len(changes)


def _role(value) -> str:
    return ROLES.get(value, str(value or ""))


def _active(value) -> str:
    if value in ("启用", "停用"):  # entries from before stored the words
        return value
    return "启用" if value in (True, "True") else "停用"


def audit_fields() -> dict[str, FieldLabel]:
    """How the audit trail words a user's changes."""
    return {
        "display_name": FieldLabel("姓名"),
        "role": FieldLabel("角色", _role),
        "is_active": FieldLabel("状态", _active),
        "assigned": FieldLabel("负责的项目"),
        "password": FieldLabel("密码", secret=True),
    }


def _set_assignments(session: Session, *, user: User, project_ids: set[int]) -> list[Change]:
    current = {
        a.project_id: a
        for a in session.exec(select(ProjectAssignment).where(ProjectAssignment.user_id == user.id))
    }
    added, removed = project_ids - set(current), set(current) - project_ids
    titles = {r.id: r.title for r in project_refs(session, added | removed)}
    for project_id in added:
        session.add(ProjectAssignment(user_id=user.id, project_id=project_id))
    for project_id in removed:
        session.delete(current[project_id])
    session.flush()
    return [
        Change("assigned", item=titles.get(pid, str(pid)), kind=kind)
        for kind, ids in (("added", added), ("removed", removed))
        for pid in sorted(ids, key=lambda i: titles.get(i, ""))
    ]
