"""The one settings object: environment variables prefixed SWITCHBOARD_ and an optional .env.

Read once at start-up (``Settings()``) and passed down; no other module reads the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    redis_url: str | None = Field(default=None, description="Redis URL for SSE fan-out between workers")

    # knowledge
    embedding_model: str | None = Field(
        default=None, description="sentence-transformers model path; default: packaged all-MiniLM-L6-v2"
    )
    onnx_queries: bool = Field(
        default=True, description="embed search queries with the packaged int8 ONNX copy of the model"
    )
    chroma_url: str | None = Field(default=None, description="Chroma server URL; default: embedded store")
    collection: str = "switchboard"
    chunk_size: int = 1000
    chunk_overlap: int = 120
    max_doc_bytes: int = 5_000_000
    top_k: int = 4

    # assistant
    llm_provider: Literal["extractive", "openai"] = "extractive"
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 30.0
    llm_max_tokens: int = Field(default=320, gt=0, description="longest reply the LLM may write, in tokens")
    llm_logprobs: bool = Field(
        default=True,
        description="ask the endpoint for token log-probabilities (llama-cpp-python's server decodes ~5x slower with them)",
    )
    handoff_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="fixed handoff threshold; overrides target_precision"
    )
    target_precision: float = Field(
        default=0.85, gt=0.0, le=1.0,
        description="the handoff threshold is the lowest whose sent replies reach this precision on calibration data",
    )
    risk_alpha: float = Field(default=0.05, gt=0.0, lt=1.0, description="1 - confidence of that precision bound")
    doubt_margin: float = Field(
        default=0.05, ge=0.0, le=1.0, description="replies within this of the threshold are doubtful; two in a row hand off"
    )
    escalation_rules: Path | None = Field(
        default=None, description="YAML file of escalation rules; default: the shipped rules"
    )

    # api
    max_message_chars: int = 4000
    session_hours: float = Field(default=12, gt=0, description="how long an agent console session lasts")
    agent_max_chats: int = Field(default=4, ge=1, description="conversations one agent may hold at once")
    agent_gone_requeue_minutes: float = Field(
        default=5, ge=0,
        description="the chats of an agent whose console has been gone (closed, signed out, offline) this long go back to the queue (0: never)",
    )
    bot_idle_close_hours: float = Field(
        default=24, ge=0, description="a conversation left with the bot closes this long after its last line (0: never)"
    )
    conversations_per_minute: int = Field(
        default=30, ge=0, description="new conversations one address may start a minute (0: no limit)"
    )
    lines_per_minute: int = Field(default=40, ge=0, description="customer lines one conversation may send a minute (0: no limit)")
    vault_key: str | None = Field(
        default=None, repr=False, description="Fernet key sealing cards at rest; default: data_dir/vault.key, made once"
    )
    metrics_token: str | None = Field(
        default=None, repr=False, description="if set, GET /metrics needs it as a Bearer token"
    )
    vault_reader_token: str | None = Field(
        default=None, repr=False, description="the payment integration's credential for reading cards back"
    )
    public_url: str = "http://127.0.0.1:8000"
    agent_token_days: int = Field(
        default=90, ge=0, description="an agent token stops working this many days after it was issued (0: never)"
    )
    cors_origins: str = Field(
        default="", description="comma-separated origins whose scripts may call the API with a Bearer token"
    )

    @property
    def cors_origin_list(self) -> list[str]:
        """The CORS allow-list, each origin checked: scheme://host[:port], nothing after it."""
        origins = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        for origin in origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
                raise ValueError(
                    f"SWITCHBOARD_CORS_ORIGINS: {origin!r} is not an origin like https://www.example.com"
                )
        return origins

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return database_url_of(self.database_url)
        return f"sqlite:///{(self.data_dir / 'switchboard.db').resolve()}"


def database_url_of(url: str) -> str:
    """The database URL to open: "postgres://" (what many hosting providers hand out) is
    PostgreSQL's "postgresql://"; anything but SQLite and PostgreSQL is refused, saying so."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not re.fullmatch(r"(sqlite|postgresql)(\+\w+)?", scheme):
        shown = f"{scheme}://{url.split('@')[-1]}" if "@" in url else url  # never the password
        raise ValueError(
            f"SWITCHBOARD_DATABASE_URL: {shown!r} is not a database URL this service opens: "
            "use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"
        )
    return url
