"""Users: creating, authenticating and looking up assignments."""

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts.models import ProjectAssignment, User
from tracker.accounts.roles import ROLES
from tracker.audit.services import Actor, record

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
