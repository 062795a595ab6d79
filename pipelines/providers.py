"""Ways to run a role's model, as the Settings page offers them, and turning a choice into the
workspace's `.env` entries (`SCRIPTWRIGHT_LM[_<ROLE>]`, `..._API_BASE`, the provider's key)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines import workspace_env
from pipelines.errors import ScriptwrightError
from pipelines.settings import EMBEDDED_LM, ROLES, Settings

ALL_ROLES = "all"


@dataclass(frozen=True)
class Preset:
    """One way to run a model: its litellm prefix, an example model name, the key it needs, and the
    server address it is reached at (None: the provider's own)."""

    label: str
    prefix: str
    example: str
    key: str | None = None
    base: str | None = None
    help: str = ""


PRESETS: dict[str, Preset] = {
    "embedded": Preset("Embedded offline model (placeholder drafts)", "local/", "smollm2",
                       help="SmolLM2-135M, shipped with Scriptwright: proves the plumbing, not a writer."),
    "openai": Preset("OpenAI", "openai/", "gpt-4.1-mini", key="OPENAI_API_KEY"),
    "anthropic": Preset("Anthropic", "anthropic/", "claude-sonnet-4-5", key="ANTHROPIC_API_KEY"),
    "gemini": Preset("Gemini", "gemini/", "gemini-2.5-flash", key="GEMINI_API_KEY"),
    "openrouter": Preset("OpenRouter", "openrouter/", "meta-llama/llama-3.3-70b-instruct", key="OPENROUTER_API_KEY"),
    "ollama": Preset("Ollama", "ollama_chat/", "llama3.1", base="http://127.0.0.1:11434",
                     help="Ollama's own address; the model must be pulled there (`ollama pull llama3.1`)."),
    "server": Preset("OpenAI-compatible server (llama.cpp, LM Studio, vLLM)", "openai/", "local-model",
                     base="http://127.0.0.1:8080/v1", help="The server's address up to /v1; any model name it serves."),
    "gguf": Preset("A GGUF model file on this machine", "local/", "/path/to/model.gguf",
                   help="Runs in-process through llama-cpp-python, with the chat template from the file."),
}


def role_variables(role: str) -> tuple[str, str]:
    """The model and base-URL variable names of a role, or of every role (`all`)."""
    if role == ALL_ROLES:
        return "SCRIPTWRIGHT_LM", "SCRIPTWRIGHT_LM_API_BASE"
    if role not in ROLES:
        raise ScriptwrightError(f"Unknown LM role '{role}'; expected {ALL_ROLES} or one of {', '.join(ROLES)}.")
    return f"SCRIPTWRIGHT_LM_{role.upper()}", f"SCRIPTWRIGHT_LM_{role.upper()}_API_BASE"


def preset_of(model: str, api_base: str | None) -> str:
    """The preset a model string (and its server) was most likely chosen with."""
    if model == EMBEDDED_LM:
        return "embedded"
    if model.startswith("local/"):
        return "gguf"
    if model.startswith("openai/") and api_base:
        return "server"
    return next((pid for pid, p in PRESETS.items() if p.prefix != "local/" and model.startswith(p.prefix)), "server")


def model_string(preset_id: str, name: str) -> str:
    """The litellm model string for a model name under a preset (a name already carrying the prefix is kept)."""
    preset = PRESETS[preset_id]
    if preset_id == "embedded":
        return EMBEDDED_LM
    name = name.strip()
    if not name:
        raise ScriptwrightError(f"Name the model to use with {preset.label} (for example {preset.example}).")
    return name if name.startswith(preset.prefix) else preset.prefix + name


def _checked_base(url: str, preset: Preset) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1]) == 0:
        raise ScriptwrightError(f"'{url}' is not a server address: give it as http://host:port"
                                f"{'/v1' if preset.prefix == 'openai/' else ''} (for example {preset.base}).")
    return url


def choice_updates(role: str, preset_id: str, name: str, api_base: str = "", key: str = "") -> dict[str, str | None]:
    """The `.env` entries for running `role` (or every role) with a model: its model string, its server
    address (cleared when the preset has none), and a pasted key (left as it is when none is pasted).
    Choosing for every role clears the roles' own choices so that it applies to all."""
    from pipelines.lm import gguf_path

    if preset_id not in PRESETS:
        raise ScriptwrightError(f"Unknown way to run a model '{preset_id}'; expected one of {', '.join(PRESETS)}.")
    preset = PRESETS[preset_id]
    model = model_string(preset_id, name)
    if preset_id == "gguf":
        gguf_path(model)  # a missing file or one that is not a GGUF model is one clear line, before saving
    model_var, base_var = role_variables(role)
    updates: dict[str, str | None] = {model_var: model,
                                      base_var: _checked_base(api_base or preset.base or "", preset)
                                      if preset.base else None}
    if preset.key and key.strip():
        updates[preset.key] = key.strip()
    if role == ALL_ROLES:
        for each in ROLES:
            updates.update(dict.fromkeys(role_variables(each)))
    return updates


def save_choice(settings: Settings, role: str, preset_id: str, name: str, api_base: str = "",
                key: str = "") -> Path:
    """Write a model choice to the workspace's `.env`; the settings then need reading again."""
    return workspace_env.write(settings.root, choice_updates(role, preset_id, name, api_base, key))


def missing_key(settings: Settings, role: str) -> str | None:
    """The key variable a role's provider needs and nobody has set (None when set or not needed)."""
    model = settings.lm_for(role)
    preset = PRESETS[preset_of(model, settings.api_base_for(role))]
    return preset.key if preset.key and not os.environ.get(preset.key) else None
