"""Many rows into one table inside the caller's transaction: PostgreSQL's ``COPY``, SQLite's executemany.

``COPY ... FROM STDIN`` sends the rows as one stream instead of one statement per batch: on the
store's write paths (releases, compiled releases, the search index) it is what keeps a national
load on PostgreSQL short (bench/README.md, *The store at 1,000,000 processes*). psycopg raises its
own errors from it; they are raised again as SQLAlchemy's (``IntegrityError`` for a duplicate,
``OperationalError`` with ``connection_invalidated`` for a lost server), as every other statement
of the store raises them, so that callers and the CLI's messages see one kind of error.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection, Table, insert
from sqlalchemy.exc import DBAPIError


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``: dicts keyed by column name, each with the keys of the first; a column that none of
    them names takes its default (the sequence numbers of ``releases``)."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    columns = [column.name for column in table.columns if column.name in rows[0]]
    statement = f'COPY {table.name} ({", ".join(columns)}) FROM STDIN'
    dbapi = connection.connection.dbapi_connection
    try:
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row.get(name) for name in columns])
    except connection.dialect.loaded_dbapi.Error as error:
        lost = connection.dialect.is_disconnect(error, dbapi, None)
        if lost:
            connection.invalidate()
        raise DBAPIError.instance(statement, None, error, connection.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=connection.dialect) from None
