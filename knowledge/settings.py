"""The one settings object: environment variables prefixed SWITCHBOARD_ and an optional .env.

Read once at start-up (``Settings()``) and passed down; no other module reads the environment.
A value that cannot work is refused here, when the settings are read, not by the first command
that uses it (a negative SWITCHBOARD_MAX_DOC_BYTES had been taken, and then refused every file);
`setting_problems` says each in one line that names the variable and what it may be.
"""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "SWITCHBOARD_"


class SettingError(ValueError):
    """A setting that cannot be used; its message names the variable (SWITCHBOARD_...)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

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
    chunk_size: int = Field(default=1000, gt=0, description="the most characters in one chunk")
    chunk_overlap: int = Field(default=120, ge=0, description="characters a chunk repeats of the one before it")
    max_doc_bytes: int = Field(default=5_000_000, gt=0, description="the largest file ingest reads, in bytes")
    top_k: int = Field(default=4, gt=0)

    # assistant
    llm_provider: Literal["extractive", "openai"] = "extractive"
    openai_base_url: str | None = None
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
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
    max_message_chars: int = Field(default=4000, gt=0)
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

    @field_validator("data_dir")
    @classmethod
    def _a_folder(cls, path: Path) -> Path:
        """A folder, or a path where one can be made: not a file (SWITCHBOARD_DATA_DIR=/etc/passwd
        had ended every command in a FileExistsError), nor below one."""
        for place in (path, *path.parents):  # the first of them that exists must be a folder
            try:
                if not place.exists():
                    continue
            except OSError:
                break  # not ours to look into: the commands say what they cannot open
            if place.is_dir():
                break
            where = f"{path} is a file" if place == path else f"{path} is inside {place}, which is a file"
            raise ValueError(f"{where}: it must be a folder (made if it does not exist)")
        return path

    @model_validator(mode="after")
    def _overlap_less_than_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            default = "" if "chunk_overlap" in self.model_fields_set else ", its default"
            raise SettingError(
                f"{ENV_PREFIX}CHUNK_OVERLAP ({self.chunk_overlap}{default}) must be less than {ENV_PREFIX}CHUNK_SIZE "
                f"({self.chunk_size}): lower the overlap, or raise the chunk size"
            )
        return self

    @property
    def cors_origin_list(self) -> list[str]:
        """The CORS allow-list, each origin checked: scheme://host[:port], nothing after it."""
        origins = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        for origin in origins:
            if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?", origin):
                raise SettingError(
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
        raise SettingError(
            f"SWITCHBOARD_DATABASE_URL: {shown!r} is not a database URL this service opens: "
            "use sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE"
        )
    return url


def setting_problems(error: ValidationError) -> list[str]:
    """What is wrong with the settings, one line per problem, each naming its variable and what it
    may be: "SWITCHBOARD_CHUNK_SIZE: 'abc' is not allowed: it must be a whole number greater than 0"
    (pydantic's own words name the field, not the variable, and come with a traceback)."""
    problems: list[str] = []
    for e in error.errors():
        cause = e.get("ctx", {}).get("error")
        if not e["loc"]:  # a check of several settings at once names them itself
            problems.append(str(cause) if cause is not None else e["msg"])
            continue
        name = str(e["loc"][0])
        variable = ENV_PREFIX + name.upper()
        field = Settings.model_fields.get(name)
        allowed = _allowed(field) if field else ""
        if isinstance(cause, ValueError):  # a validator of ours said why, and what it must be
            problems.append(f"{variable}: {cause}")
        else:
            problems.append(f"{variable}: {_shown(e.get('input'))} is not allowed" + (
                f": it must be {allowed}" if allowed else f": {e['msg']}"
            ))
    return list(dict.fromkeys(problems))


def _shown(value: object) -> str:
    text = repr(value if isinstance(value, str) else str(value))
    return text if len(text) <= 80 else text[:77] + "...'"


KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
BOUNDS = ((annotated_types.Gt, "gt", "greater than"), (annotated_types.Ge, "ge", "at least"),
          (annotated_types.Lt, "lt", "less than"), (annotated_types.Le, "le", "at most"))


def _allowed(field: FieldInfo) -> str:
    """What a field may be, in words: "a whole number greater than 0", "'extractive' or 'openai'"."""
    kind = _kind(field.annotation)
    bounds = [
        f"{words} {_number(getattr(m, attr))}"
        for m in field.metadata for cls, attr, words in BOUNDS if isinstance(m, cls)
    ]
    return " ".join(p for p in (kind, " and ".join(bounds)) if p)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _kind(annotation: Any) -> str:
    if get_origin(annotation) in (Union, types.UnionType):  # `float | None`: the value's own kind
        kinds = [a for a in get_args(annotation) if a is not type(None)]
        return _kind(kinds[0]) if len(kinds) == 1 else ""
    if get_origin(annotation) is Literal:
        return " or ".join(repr(a) for a in get_args(annotation))
    return KINDS.get(annotation, "")
