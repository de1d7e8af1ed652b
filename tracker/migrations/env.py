"""Alembic environment: online migrations against the URL given by tracker.migrate."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import tracker.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_, obj, autogen_context):
    """Scaled decimals are plain BIGINT columns in the database: migrations need no app code."""
    if type_ == "type" and type(obj).__name__ == "ScaledDecimal":
        return "sa.BigInteger()"
    return False


def run_migrations_online() -> None:
    # tracker.migrate passes its own connection, inside the transaction that covers the whole upgrade.
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_migrations(connection)
        return
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        _run_migrations(connection)


def _run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
