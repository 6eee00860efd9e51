"""Create a demo department's database (PostgreSQL by COPY, MariaDB/MySQL, SQLite) and bulk-load its tables."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import closing
from decimal import Decimal
from pathlib import Path

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


def _mysql_ddl(table: Table) -> str:
    def q(name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def text(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"

    columns = [f"{q(c.name)} {c.type}" + (f" COMMENT {text(c.comment)}" if c.comment else "") for c in table.columns]
    if table.primary_key:
        columns.append(f"PRIMARY KEY ({', '.join(q(c) for c in table.primary_key)})")
    comment = f" COMMENT={text(table.comment)}" if table.comment else ""
    return f"CREATE TABLE {q(table.name)} ({', '.join(columns)}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4{comment}"


def load_mysql_database(server_url: str, database: str, tables: list[Table]) -> None:
    """Rebuild ``database`` on a MySQL/MariaDB server (``server_url`` without database, may write) from scratch."""
    import pymysql
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    conn = pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or "", charset="utf8mb4"
    )
    try:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{database}`")
            cur.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            cur.execute(f"USE `{database}`")
            for table in tables:
                cur.execute(_mysql_ddl(table))
                marks = ", ".join(["%s"] * len(table.columns))
                insert = f"INSERT INTO `{table.name}` VALUES ({marks})"
                # PyMySQL turns executemany of an INSERT … VALUES into multi-row statements
                for start in range(0, len(table.rows), 2000):
                    cur.executemany(insert, table.rows[start : start + 2000])
        conn.commit()
    finally:
        conn.close()


def load_sqlite_database(path: Path, tables: list[Table]) -> None:
    """Rebuild a SQLite file with these tables (declared types; dates and times stored as ISO text)."""
    import sqlite3

    def value(v: object) -> object:
        if isinstance(v, (dt.date, dt.time)):
            return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
        return str(v) if isinstance(v, Decimal) else v

    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as conn, conn:
        for table in tables:
            columns = ", ".join(f'"{c.name}" {c.type}' for c in table.columns)
            pk = f", PRIMARY KEY ({', '.join(table.primary_key)})" if table.primary_key else ""
            conn.execute(f'CREATE TABLE "{table.name}" ({columns}{pk})')
            marks = ", ".join("?" * len(table.columns))
            conn.executemany(
                f'INSERT INTO "{table.name}" VALUES ({marks})', ([value(v) for v in r] for r in table.rows)
            )
