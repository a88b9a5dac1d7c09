"""Before `serve` starts: the settings that name other services are checked, and a mistake is
said in one line that names the setting, not in a traceback of a hundred lines.

A wrong database URL, a database or Chroma server that does not answer, a malformed escalation
rules file or CORS list: each stopped the worker with the driver's traceback, the setting to fix
named nowhere. A wrong Redis URL (a database index out of range, a wrong port) let it serve with
one warning, its live events late by up to 15 s on the other workers; and workers sharing a
database each sealed cards with a vault key of their own, which the others could not open.
"""

from __future__ import annotations

import time

from knowledge import Settings

TIMEOUT_SECONDS = 5
# Redis restarting while a deploy starts workers must not keep them from starting (they serve
# without it when it goes away later): they wait this long for it before it counts as a mistake.
REDIS_WAIT_SECONDS = 10


def setup_problems(settings: Settings) -> list[str]:
    """What would stop the service from starting, one line each (empty: none found)."""
    problems: list[str] = []
    for check in (_database, _redis, _chroma, _vault, _rules, _cors):
        if problem := check(settings):
            problems.append(problem)
    return problems


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


def _database(settings: Settings) -> str | None:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from knowledge.catalog import sync_url

    try:
        url = settings.resolved_database_url
    except ValueError as e:
        return str(e)
    if url.startswith("sqlite"):
        return None  # made on first use, in the data directory
    try:
        shown = make_url(url).render_as_string(hide_password=True)
        engine = sa.create_engine(sync_url(url), connect_args={"connect_timeout": TIMEOUT_SECONDS})
    except Exception as e:  # a malformed URL, a driver not installed
        return f"SWITCHBOARD_DATABASE_URL: cannot use it: {_first_line(e)}"
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as e:
        cause = getattr(e, "orig", None) or e
        return f"SWITCHBOARD_DATABASE_URL: cannot open the database {shown}: {_first_line(cause)}"
    finally:
        engine.dispose()
    return None


def _redis(settings: Settings) -> str | None:
    if not settings.redis_url:
        return None
    from urllib.parse import urlsplit

    import redis

    try:
        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS)
        parts = urlsplit(settings.redis_url)
        if parts.scheme != "unix" and (db := parts.path.strip("/")) and not db.isdigit():
            raise ValueError(f"the database index must be a number, not {db!r}")  # redis-py would take it for 0
    except ValueError as e:  # not a URL, another scheme, a port out of range
        return f"SWITCHBOARD_REDIS_URL: cannot use it: {_first_line(e)}"
    shown = settings.redis_url
    if parts.password:  # shown without it
        shown = parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rsplit('@', 1)[1]}").geturl()
    deadline = time.monotonic() + REDIS_WAIT_SECONDS
    try:
        while True:
            try:
                client.ping()
                return None
            except redis.BusyLoadingError:
                return None  # the right server, still loading its data
            except redis.AuthenticationError as e:
                return f"SWITCHBOARD_REDIS_URL: Redis at {shown} refused the credentials: {_first_line(e)}"
            except (redis.ConnectionError, redis.TimeoutError) as e:
                if time.monotonic() >= deadline:
                    return f"SWITCHBOARD_REDIS_URL: no Redis answers at {shown} (waited {REDIS_WAIT_SECONDS} s): {_first_line(e)}"
                time.sleep(0.5)
            except redis.RedisError as e:  # it answers, but not as the URL asks ("DB index is out of range")
                return f"SWITCHBOARD_REDIS_URL: Redis at {shown} refused it: {_first_line(e)}"
    finally:
        client.close()


def _chroma(settings: Settings) -> str | None:
    if not settings.chroma_url:
        return None
    import httpx

    url = settings.chroma_url.rstrip("/")
    try:
        answer = httpx.get(f"{url}/api/v2/heartbeat", timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as e:
        return f"SWITCHBOARD_CHROMA_URL: no Chroma server answers at {url}: {_first_line(e)}"
    if answer.status_code != 200:
        return f"SWITCHBOARD_CHROMA_URL: {url} answered {answer.status_code}, not as a Chroma server (chroma run) would"
    return None


def _vault(settings: Settings) -> str | None:
    from api.vault import Vault

    if settings.vault_key:
        try:
            Vault(settings.vault_key)
        except ValueError:
            return "SWITCHBOARD_VAULT_KEY: not a Fernet key (32 url-safe base64 bytes); make one with `switchboard vault new-key`"
        return None
    try:
        shared = not settings.resolved_database_url.startswith("sqlite")
    except ValueError:
        return None  # _database says what is wrong with it
    if shared and settings.vault_reader_token:
        # Without a reader credential no card is ever read back, so a key of each worker's own harms nothing.
        return (
            "SWITCHBOARD_VAULT_KEY: not set, with a database other workers share and cards read back "
            "(SWITCHBOARD_VAULT_READER_TOKEN): each worker would seal cards with a key of its own that the others "
            "cannot open; give every worker the same key (`switchboard vault new-key` prints one)"
        )
    return None


def _rules(settings: Settings) -> str | None:
    from assistant.escalation import EscalationRules, EscalationRulesError

    if settings.escalation_rules is None:
        return None
    try:
        EscalationRules.load(settings.escalation_rules)
    except EscalationRulesError as e:
        return f"SWITCHBOARD_ESCALATION_RULES: {e}"
    return None


def _cors(settings: Settings) -> str | None:
    try:
        settings.cors_origin_list
    except ValueError as e:
        return str(e)
    return None
