"""Where the OpenMetadata server is and which token to use: the Airflow connection ``openmetadata_default``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

CONN_ID = "openmetadata_default"

HOW_TO_CONFIGURE = (
    f"Configure the Airflow connection {CONN_ID!r} with the server's URL and a bot's JWT token"
    " (OpenMetadata UI → Settings → Bots → ingestion-bot → token), e.g."
    f" AIRFLOW_CONN_{CONN_ID.upper()}='http://:<JWT>@openmetadata-server:8585/api' or"
    f" `govdata airflow connections add {CONN_ID} --conn-type http --conn-host openmetadata-server"
    " --conn-port 8585 --conn-schema http --conn-password <JWT>`"
)
NOT_CONFIGURED = f"no Airflow connection {CONN_ID!r}: the catalog is not synced to OpenMetadata. {HOW_TO_CONFIGURE}"


class MissingToken(ValueError):
    """The connection names a server but holds no token (docker-compose.yml before OPENMETADATA_JWT_TOKEN is set)."""


@dataclass(frozen=True)
class ServerSettings:
    """The API's base URL (``…/api``) and the JWT token."""

    host_port: str
    token: str

    def __repr__(self) -> str:
        return f"ServerSettings(host_port={self.host_port!r}, token=***)"


def settings_from_connection(
    host: str | None, port: int | None, schema: str | None, password: str | None, extra: dict[str, Any] | None
) -> ServerSettings:
    """Settings from an Airflow connection's fields (pure).

    ``host`` is the server's name or a URL. ``schema`` is ``http``/``https`` (the HTTP hook's convention) or,
    as the URI form ``http://:<JWT>@host:8585/api`` sets it, the API path; the path defaults to ``api``. The
    token is the password, or ``extra["jwt_token"]``.
    """
    from govdata.errors import ConfigError

    extra = extra or {}
    token = password or extra.get("jwt_token") or ""
    if not host:
        raise ConfigError(f"Airflow connection {CONN_ID}: host is empty (the OpenMetadata server's name or URL)")
    if not token:
        raise MissingToken(f"Airflow connection {CONN_ID}: no JWT token (password, or extra jwt_token)")
    scheme, _, rest = host.partition("://") if "://" in host else ("", "", host)
    authority, _, path = rest.partition("/")
    if schema in ("http", "https"):
        scheme = scheme or schema
    elif schema:
        path = path or schema
    if port and ":" not in authority:
        authority = f"{authority}:{port}"
    return ServerSettings(f"{scheme or 'http'}://{authority}/{path.strip('/') or 'api'}", token)


def airflow_settings() -> ServerSettings | None:
    """The ``openmetadata_default`` connection (environment variable, secrets backend or metadata DB), or None."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(CONN_ID)
    except AirflowNotFoundException:
        return None
    return settings_from_connection(conn.host, conn.port, conn.schema, conn.password, conn.extra_dejson)


def platform_airflow_settings() -> ServerSettings | None:
    """:func:`airflow_settings` outside Airflow (the CLI, `govdata run`'s summary): the platform's Airflow config.

    The connection is looked up as Airflow would (environment, then the platform's metadata DB), so
    `govdata airflow connections add openmetadata_default …` is seen too. Airflow reads its settings once, at
    its first import: call this before anything imports it.
    """
    from govdata.airflow_env import adopt_airflow_environment

    adopt_airflow_environment()
    return airflow_settings()


def client(settings: ServerSettings) -> OpenMetadata:
    """The SDK client; it checks on creation that the server's major.minor version matches the SDK's."""
    from metadata.generated.schema.entity.services.connections.metadata.openMetadataConnection import (
        AuthProvider,
        OpenMetadataConnection,
    )
    from metadata.generated.schema.security.client.openMetadataJWTClientConfig import OpenMetadataJWTClientConfig
    from metadata.ingestion.ometa.ometa_api import OpenMetadata

    connection = OpenMetadataConnection(
        hostPort=settings.host_port,
        authProvider=AuthProvider.openmetadata,
        securityConfig=OpenMetadataJWTClientConfig.model_validate({"jwtToken": settings.token}),
        enableVersionValidation=True,
    )
    return OpenMetadata(connection)
