"""The control-plane database: SQLAlchemy models, engine and sessions, Alembic migrations."""
