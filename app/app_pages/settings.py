import streamlit as st

from app.state import settings, sign_in_configured
from pipelines import lm, providers, workspace_env
from pipelines.errors import ScriptwrightError
from pipelines.providers import ALL_ROLES, PRESETS
from pipelines.settings import ROLES, reload_settings

ROLE_NAMES = {ALL_ROLES: "Every role", "writer": "Writer (hooks, script)", "research": "Research (notes, outline)",
              "judge": "Judge (ratings, checks)"}


def _save(role: str, preset_id: str, model_key: str, base_key: str) -> None:
    """Write the choice to the workspace's .env; the pasted key leaves the page's state at once."""
    key = st.session_state.pop("set_key", "") or ""
    try:
        path = providers.save_choice(settings(), role, preset_id, st.session_state.get(model_key, ""),
                                     st.session_state.get(base_key, ""), key)
    except ScriptwrightError as exc:
        st.session_state.set_outcome = ("error", str(exc))
        return
    s = reload_settings()
    who = ROLE_NAMES[role].split(" (")[0].lower()
    model = s.lm_for(ROLES[0] if role == ALL_ROLES else role)
    st.session_state.set_outcome = ("success", f"Saved to {path}: {who} now uses {model}."
                                               + (" The key was saved there too." if key.strip() else ""))


def _test(role: str) -> None:
    try:
        answer = lm.ask_structured(reload_settings(), role, live=True)
    except ScriptwrightError as exc:
        st.session_state.set_test = ("error", role, str(exc))
        return
    tokens = (f"{answer['prompt_tokens']} prompt + {answer['completion_tokens']} answer tokens"
              if answer["prompt_tokens"] is not None else "tokens not reported")
    st.session_state.set_test = ("success", role, f"{answer['model']} answered colour={answer['colour']!r}, "
                                                  f"confidence={answer['confidence']} in {answer['seconds']} s; {tokens}.")


st.title("Settings")
s = settings()
env_file = workspace_env.env_path(s.root)
st.caption(f"Models, servers and keys chosen here are saved in this workspace's `{env_file}` (readable by you only). "
           "Variables set in the environment Scriptwright runs in win over that file.")

st.subheader("Language models per role")
st.dataframe([{"role": ROLE_NAMES[role], "model": model,
               "set in": workspace_env.origin(providers.role_variables(role)[0])
               or workspace_env.origin(providers.role_variables(ALL_ROLES)[0]) or "default (embedded model)",
               "missing key": providers.missing_key(s, role) or ""}
              for role, model in lm.lm_summary(s).items()], hide_index=True)
for name in workspace_env.overridden(s.root):
    st.warning(f"{name} is set in the environment Scriptwright runs in, so this workspace's .env value for it is "
               "not used.", icon=":material/info:")

with st.container(border=True):
    st.markdown("**Choose a model**")
    left, right = st.columns(2)
    role = left.selectbox("For", list(ROLE_NAMES), format_func=ROLE_NAMES.get, key="set_role")
    shown_role = ROLES[0] if role == ALL_ROLES else role
    current, current_base = s.lm_for(shown_role), s.api_base_for(shown_role)
    preset_ids = list(PRESETS)
    preset_id = right.selectbox("Run it with", preset_ids, format_func=lambda p: PRESETS[p].label,
                                index=preset_ids.index(providers.preset_of(current, current_base)),
                                key=f"set_preset_{role}")
    preset = PRESETS[preset_id]
    if preset.help:
        st.caption(preset.help)
    same = providers.preset_of(current, current_base) == preset_id
    model_key, base_key = f"set_model_{preset_id}_{role}", f"set_base_{preset_id}_{role}"
    if preset_id != "embedded":
        st.text_input("GGUF file" if preset_id == "gguf" else "Model",
                      value=current.removeprefix(preset.prefix) if same else "", placeholder=preset.example,
                      key=model_key)
    if preset.base:
        st.text_input("Server address", value=current_base if same and current_base else preset.base, key=base_key)
    if preset.key:
        is_set = workspace_env.origin(preset.key)
        st.text_input(f"{preset.key}", type="password", key="set_key",
                      placeholder=f"set in the {is_set}; paste to replace" if is_set else "paste the key",
                      help="Saved only in this workspace's .env file (mode 0600); never shown again.")
    st.button("Save", type="primary", icon=":material/save:", on_click=_save,
              args=(role, preset_id, model_key, base_key))
    outcome = st.session_state.pop("set_outcome", None)
    if outcome:
        (st.success if outcome[0] == "success" else st.error)(outcome[1])

st.subheader("Test a role's model")
st.caption("Asks the model one small question, past the cache, and shows its answer, the time it took and the "
           "tokens it counted.")
for column, role_name in zip(st.columns(len(ROLES)), ROLES):
    column.button(f"Test {role_name}", key=f"set_test_{role_name}", icon=":material/network_check:",
                  on_click=_test, args=(role_name,), use_container_width=True)
tested = st.session_state.get("set_test")
if tested:
    (st.success if tested[0] == "success" else st.error)(f"{ROLE_NAMES[tested[1]].split(' (')[0]}: {tested[2]}")

st.subheader("Provider keys")
st.caption("Only whether a key is set, and where, is shown; values are never read into the page.")
st.dataframe([{"key": k, "set": "yes" if v else "no", "set in": workspace_env.origin(k)}
              for k, v in s.keys_in_use().items()], hide_index=True)
st.subheader("Workspace")
st.dataframe([
    {"setting": "data dir", "value": str(s.root)},
    {"setting": "settings file", "value": str(env_file) if env_file.is_file() else f"{env_file} (not written yet)"},
    {"setting": "pipeline tag", "value": s.pipeline_tag},
    {"setting": "default prompt version", "value": s.default_prompt_version},
    {"setting": "spending cap per job", "value": f"${s.max_cost_usd:g}" if s.max_cost_usd is not None else "none"},
    {"setting": "app address", "value": f"{s.app_address}:{s.app_port}"},
    {"setting": "sign-in", "value": "on ([auth] in secrets.toml)" if sign_in_configured() else "off"},
    {"setting": "allowed accounts", "value": s.allowed_users or "every signed-in account"},
], hide_index=True)
