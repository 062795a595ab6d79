"""One settings object for the whole workbench; every path derives from the data dir."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROLES = ("writer", "research", "judge")
EMBEDDED_LM = "local/smollm2"

_OFFLINE_FLAGS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def set_offline_flags() -> None:
    """Keep libraries from reaching for the network; called once, before they import."""
    for key, value in _OFFLINE_FLAGS.items():
        os.environ.setdefault(key, value)


set_offline_flags()


class Settings(BaseSettings):
    """Workbench configuration from `SCRIPTWRIGHT_*` variables: the environment first, then the workspace's
    `<data dir>/.env` (written by the Settings page), then a `.env` in the working directory."""

    model_config = SettingsConfigDict(env_prefix="SCRIPTWRIGHT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Root of every runtime file")
    lm: str = Field(default=EMBEDDED_LM, description="litellm model string for every role")
    lm_writer: str | None = None
    lm_research: str | None = None
    lm_judge: str | None = None
    lm_api_base: str | None = Field(default=None, description="Base URL of an OpenAI-compatible or Ollama server "
                                                              "for every role (e.g. http://127.0.0.1:8080/v1)")
    lm_writer_api_base: str | None = None
    lm_research_api_base: str | None = None
    lm_judge_api_base: str | None = None
    ingest_batch_words: int = Field(default=40_000, ge=1, description="Words of captions an ingest embeds and "
                                    "commits together: one big batch embeds fastest, a smaller one commits sooner")
    lm_max_tokens: int = 512
    lm_threads: int | None = Field(default=None, ge=1, description="CPU threads for the embedded model (default: "
                                                                    "every core)")
    lm_temperature: float = 0.2
    lm_timeout_s: float = Field(default=120.0, description="Seconds to wait for one answer from a model server")
    lm_retries: int = Field(default=3, description="Retries of a rate-limited, failing or timed-out model call")
    lm_retry_backoff_s: float = Field(default=2.0, description="First wait before a retry; doubles each time")
    max_cost_usd: float | None = Field(default=None, description="Spending cap per job (USD): a job stops before "
                                                                 "its next model call once its calls cost this much")
    prompts_dir: Path | None = Field(default=None, description="Prompt files (default: the repo's prompts/)")
    compiled_dir: Path | None = Field(default=None, description="Compiled programs (default: <prompts>/compiled)")
    pipeline_tag: str = "stable"
    default_prompt_version: str = "v1"
    app_address: str = "127.0.0.1"
    app_port: int = 8501
    allow_remote: bool = Field(default=False, description="Let `scriptwright app` listen on a non-loopback address "
                                                          "(only with sign-in on or an authenticating proxy in front)")
    allowed_users: str = Field(default="", description="Who may use the workbench when Streamlit sign-in ([auth] in "
                                                       "secrets.toml) is on: comma-separated emails or @domains; "
                                                       "empty lets every signed-in account in")
    video_search: str = Field(default="", description="Competition search: '' (off), 'youtube' (yt-dlp, online) "
                                                      "or a SearxNG base URL")
    web_search: str = Field(default="", description="Web search for research: '' (off) or a SearxNG base URL")
    mlflow_uri: str = Field(default="", description="MLflow tracking URI: when set, eval and optimize jobs trace "
                                                     "their DSPy calls there (needs `pip install mlflow`)")
    job_stale_after_s: float = 120.0
    lock_retry_s: float = 20.0

    @property
    def root(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @property
    def duckdb_path(self) -> Path:
        return self.root / "scriptwright.duckdb"

    @property
    def lancedb_dir(self) -> Path:
        return self.root / "lancedb"

    @property
    def dspy_cache_dir(self) -> Path:
        return self.root / "cache" / "dspy"

    @property
    def downloads_dir(self) -> Path:
        return self.root / "downloads"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def prompts_root(self) -> Path:
        return self.prompts_dir or Path(__file__).resolve().parent.parent / "prompts"

    @property
    def compiled_root(self) -> Path:
        return self.compiled_dir or self.prompts_root / "compiled"

    @property
    def sample_dir(self) -> Path:
        """The shipped demo corpus lives in the repository, not in the data dir."""
        return Path(__file__).resolve().parent.parent / "data" / "sample"

    @property
    def background_dir(self) -> Path:
        """The shipped background of real voices (open data) the voice scorer compares against."""
        return Path(__file__).resolve().parent.parent / "data" / "background"

    def lm_for(self, role: str) -> str:
        """The litellm model string a role uses: its own override, else the shared one."""
        if role not in ROLES:
            from pipelines.errors import ScriptwrightError

            raise ScriptwrightError(f"Unknown LM role '{role}'; expected one of {', '.join(ROLES)}.")
        return getattr(self, f"lm_{role}") or self.lm

    def api_base_for(self, role: str) -> str | None:
        """The server a role's model is reached at: its own base URL, else the shared one (None: the
        provider's default address). Local models (`local/...`) run in-process and have none."""
        if self.lm_for(role).startswith("local/"):
            return None
        return getattr(self, f"lm_{role}_api_base") or self.lm_api_base

    def keys_in_use(self) -> dict[str, bool]:
        """Which provider keys are set, never their values."""
        names = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY",
                 "MISTRAL_API_KEY", "TOGETHER_API_KEY", "OPENROUTER_API_KEY")
        return {name: bool(os.environ.get(name)) for name in names}

    def app_host(self, address: str | None = None) -> str:
        """The address the app listens on; anything but loopback needs SCRIPTWRIGHT_ALLOW_REMOTE=1."""
        host = address or self.app_address
        if not (_is_loopback(host) or self.allow_remote):
            from pipelines.errors import ScriptwrightError

            raise ScriptwrightError(
                f"Refusing to serve the workbench on '{host}': without a login anyone who can reach that address could "
                "use it. Keep 127.0.0.1, or set SCRIPTWRIGHT_ALLOW_REMOTE=1 once sign-in is on or it sits behind an "
                "authenticating proxy (see the README).")
        return host

    def may_enter(self, email: str | None) -> bool:
        """Whether a signed-in account may use the workbench (SCRIPTWRIGHT_ALLOWED_USERS)."""
        allowed = [a.strip().lower() for a in self.allowed_users.split(",") if a.strip()]
        if not allowed:
            return True
        address = (email or "").strip().lower()
        return "@" in address and any(address == a or (a.startswith("@") and address.endswith(a)) for a in allowed)

    def ensure_dirs(self) -> None:
        for path in (self.root, self.lancedb_dir, self.dspy_cache_dir, self.downloads_dir, self.exports_dir):
            path.mkdir(parents=True, exist_ok=True)


def _is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, with the workspace's own `.env` (see `workspace_env`) read into the
    environment first; tests clear the cache after changing the environment."""
    from pipelines import workspace_env

    found = Settings()
    return Settings() if workspace_env.load(found.root) else found


def reload_settings() -> Settings:
    """Settings read afresh (after the workspace's `.env` changed)."""
    get_settings.cache_clear()
    return get_settings()
