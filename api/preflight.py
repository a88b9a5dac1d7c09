"""Before `serve` starts: the settings that name other services are checked, and a mistake is
said in one line that names the setting, not in a traceback of a hundred lines.

A wrong database URL, a database or Chroma server that does not answer, a malformed escalation
rules file or CORS list: each stopped the worker with the driver's traceback, the setting to fix
named nowhere.
"""

from __future__ import annotations

from knowledge import Settings

TIMEOUT_SECONDS = 5


def setup_problems(settings: Settings) -> list[str]:
    """What would stop the service from starting, one line each (empty: none found)."""
    problems: list[str] = []
    for check in (_database, _chroma, _rules, _cors):
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
