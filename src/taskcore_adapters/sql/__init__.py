"""SQLAlchemy adapter: tables, repositories, the unit of work and Alembic migrations.

SQLite is the embedded default; PostgreSQL (psycopg 3) is for production.
"""

from taskcore_adapters.sql.engine import make_engine
from taskcore_adapters.sql.migrate import upgrade
from taskcore_adapters.sql.uow import SqlAlchemyUnitOfWork, SqlAlchemyUnitOfWorkFactory

__all__ = ["SqlAlchemyUnitOfWork", "SqlAlchemyUnitOfWorkFactory", "make_engine", "upgrade"]
