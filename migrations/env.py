"""Alembic's environment: the app's engine and store's metadata (through Flask-Migrate)."""
from alembic import context
from flask import current_app

config = context.config
target_db = current_app.extensions["migrate"].db


def run_migrations_offline() -> None:
    """Write the SQL of the migrations for the app's URL."""
    url = target_db.engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the app's database on one connection, in one transaction."""
    conf_args = current_app.extensions["migrate"].configure_args
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
