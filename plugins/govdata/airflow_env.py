"""Airflow's configuration for the embedded platform, as environment variables for its processes."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from govdata import config
from govdata.config import default_root
from govdata.embedded_smtp import SMTP_CONN_ENV
from govdata.secret_files import read_or_create, write_private
from govdata.warehouse import with_scheme

ADMIN_USER = "admin"


def airflow_home() -> Path:
    """AIRFLOW_HOME of the embedded platform (``AIRFLOW_HOME`` overrides)."""
    env = os.environ.get("AIRFLOW_HOME")
    return Path(env) if env else config.local_dir() / "airflow"


def _secret(name: str) -> str:
    """A random secret generated once per installation and kept under AIRFLOW_HOME."""
    return read_or_create(airflow_home() / f".{name}")


def admin_password() -> str:
    """The UI password of the admin user, kept in the simple auth manager's password file."""
    path = airflow_home() / "simple_auth_manager_passwords.json"
    if path.exists():
        users = json.loads(path.read_text() or "{}")
        if ADMIN_USER in users:
            return users[ADMIN_USER]
    password = secrets.token_urlsafe(12)
    write_private(path, json.dumps({ADMIN_USER: password}))
    return password


def metadata_db_url() -> str:
    """SQLAlchemy URL of Airflow's metadata DB: on the warehouse's server unless configured otherwise."""
    env = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    if env:
        return env
    url = config.database_url(config.load_platform().airflow_db)
    return with_scheme(url, "postgresql+psycopg2")


def airflow_environment(api_port: int = 8080) -> dict[str, str]:
    """Environment for `airflow` commands: PostgreSQL metadata DB, LocalExecutor, our dags/ and plugins/."""
    root = config.project_root()
    home = airflow_home()
    home.mkdir(parents=True, exist_ok=True)
    warehouse = config.warehouse_url()
    env = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_db_url(),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{api_port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": _secret("jwt_secret"),
        "AIRFLOW__API__SECRET_KEY": _secret("api_secret_key"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        # offline: no usage metrics from Cosmos or dbt
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos keeps dbt's partial-parse state here between tasks and runs (default: /tmp/cosmos,
        # shared by every checkout on the machine)
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # the warehouse as an Airflow connection, for hooks and Cosmos profiles
        "AIRFLOW_CONN_GOVDATA_WAREHOUSE": with_scheme(warehouse, "postgres"),
        "GOVDATA_HOME": str(root),
        "GOVDATA_DATABASE_URL": warehouse,
        "GOVDATA_LOCAL_DIR": str(config.local_dir()),
        # set with GOVDATA_LOCAL_DIR, so a child process never mistakes .local/pg for the cluster's folder
        "GOVDATA_PG_DIR": str(default_root()),
        "GOVDATA_DEMO_DIR": str(config.demo_dir()),
        "GOVDATA_CONFIG_DIR": str(config.config_dir()),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "plugins"), os.environ.get("PYTHONPATH")])),
    }
    # decided here, where it is known whether the warehouse is the embedded demo's (GOVDATA_DATABASE_URL is set
    # for every child below, which would otherwise always pick the checkout's expectations/)
    env["GOVDATA_EXPECTATIONS_DIR"] = str(config.expectations_dir())
    if not config.mail_relay_configured():
        # no relay configured: mail goes to the local SMTP server `govdata run` / `up` start (.local/mail)
        env[SMTP_CONN_ENV] = config.default_mail_server().connection()
    return env


def adopt_airflow_environment() -> None:
    """Give this process the platform's Airflow settings (what it sets already wins), for code run outside Airflow.

    Connections are then looked up as Airflow would (environment, then the platform's metadata DB).
    Airflow reads its settings once, at its first import: call this before anything imports it.
    """
    for key, value in airflow_environment().items():
        os.environ.setdefault(key, value)
