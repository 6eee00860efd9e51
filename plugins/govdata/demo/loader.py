"""Create a demo department's database and bulk-load its tables with COPY."""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from govdata.demo.model import Table


def _conninfo(server_url: str) -> str:
    # accept SQLAlchemy-style URLs (postgresql+psycopg2://) as the rest of govdata uses them
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", server_url)


def connect(server_url: str, database: str, **kwargs) -> psycopg.Connection:
    """A connection to ``database`` on the server of ``server_url`` (a URL without database)."""
    return psycopg.connect(_conninfo(server_url), dbname=database, **kwargs)


def recreate_database(server_url: str, database: str) -> None:
    """Drop (forcibly, even with open sessions) and create an empty UTF-8 database."""
    with connect(server_url, "postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(database)))


def load_table(conn: psycopg.Connection, table: Table, schema: str = "public") -> None:
    """Create one table, COPY its rows in, then add its primary key and comments."""
    name = sql.Identifier(schema, table.name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.type)) for c in table.columns
    )
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(name, columns))
    column_list = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(name, column_list)) as copy:
        # write_row adapts values in psycopg's C layer: several times faster than formatting here
        for row in table.rows:
            copy.write_row(row)
    if table.primary_key:
        # after the load: building the index once is faster than maintaining it row by row
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD PRIMARY KEY ({})").format(
                name, sql.SQL(", ").join(sql.Identifier(c) for c in table.primary_key)
            )
        )
    if table.comment:
        conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(name, sql.Literal(table.comment)))
    for c in table.columns:
        if c.comment:
            conn.execute(
                sql.SQL("COMMENT ON COLUMN {} IS {}").format(
                    sql.Identifier(schema, table.name, c.name), sql.Literal(c.comment)
                )
            )


def load_database(server_url: str, database: str, tables: list[Table]) -> None:
    """Rebuild ``database`` from scratch with these tables, in one transaction."""
    recreate_database(server_url, database)
    with connect(server_url, database) as conn:
        # a rebuild can always be redone: no need to wait for the WAL flush
        conn.execute("SET synchronous_commit = off")
        for table in tables:
            load_table(conn, table)
