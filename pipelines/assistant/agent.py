"""The assistant's turn: a tool-using DSPy agent whose every step is stored as it happens.

Each turn loops: the model picks a tool (or `finish`) with its arguments, the tool runs,
its result is stored as a `tool` message and shown to the model; then the model writes
the reply from what the tools returned. With a router (the embedded model), a message whose
meaning is clearly one tool's goes to that tool first without asking the model; every call
records whether `meaning` or the `model` chose it. A call that repeats an earlier one of the turn
(same tool, same arguments) is not run again: the turn moves on to the reply. A tool the
model names that does not exist, arguments that do not fit, or a tool that fails become
readable `error`/`tool` messages the model also sees, never a lost conversation. Turns run
as `chat-turn` jobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import dspy

from pipelines.assistant import chat
from pipelines.assistant.routes import Route, Router, load_routes, subject
from pipelines.assistant.tools import SUMMARY_CHARS, Toolbox, ToolResult
from pipelines.errors import ScriptwrightError
from pipelines.evidence.injection import redact
from pipelines.job_params import ChatTurnParams
from pipelines.jobs import JobContext, job_kind
from pipelines.lm import lm_for_role, retry_unparsed, user_facing_lm_errors
from pipelines.programs.assistant import NextAction, Reply, arguments_for
from pipelines.settings import EMBEDDED_LM, Settings

MAX_STEPS = 5
# Arguments a routed message names itself: what to search for, the idea, the claim. Measured with the
# embedded model on held-out requests: the message as search_corpus's query found the right video
# 12 of 12 times, the model's typed query 2 of 6 (it wrote "Monty Hall", the open project, for four).
REQUEST_ARGUMENTS = frozenset({"query", "idea", "claim"})
# The embedded 135M model rarely picks a useful second tool and each call takes ~30 s on two
# cores, so a turn with it stops after two tool calls.
EMBEDDED_MAX_STEPS = 2
FINISH = "finish"

OnCall = Callable[[dict[str, Any]], None]


def parse_args(text: str) -> dict[str, Any] | None:
    """The model's arguments: a JSON object (empty text means none), else None."""
    text = (text or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def call_tool(tools: dict[str, dspy.Tool], name: str, raw_args: str) -> dict[str, Any]:
    """Run one tool call and describe the outcome; never raises for the model's mistakes or a tool's failure."""
    name = (name or "").strip()
    args = parse_args(raw_args)
    record: dict[str, Any] = {"tool": name, "args": args if args is not None else {"unparsed": raw_args}}
    if name not in tools:
        return record | {"status": "error", "result": None,
                         "summary": f"There is no tool called '{name}'. Tools: {', '.join(tools)}, {FINISH}."}
    if args is None:
        return record | {"status": "error", "result": None,
                         "summary": f"{name} needs its arguments as a JSON object, got: {str(raw_args)[:200]}"}
    try:
        result: ToolResult = tools[name](**args)
    except ScriptwrightError as exc:
        return record | {"status": "error", "result": None, "summary": f"{name}: {exc}"}
    except (TypeError, ValueError) as exc:
        wanted = ", ".join(tools[name].args) or "no arguments"
        return record | {"status": "error", "result": None,
                         "summary": f"{name} was called with arguments that do not fit ({exc}); it takes: {wanted}."}
    except Exception as exc:  # noqa: BLE001 - a failing tool is reported to the model and the creator, the turn goes on
        return record | {"status": "error", "result": None, "summary": f"{name} failed: {type(exc).__name__}: {exc}"}
    # tool results quote transcripts, sources and titles: instructions in them are withheld from the model
    return record | {"status": "ok", "result": result.data, "wrote": result.wrote,
                     "summary": redact(result.summary)[:SUMMARY_CHARS]}


def routed_args(tool: dspy.Tool, route: Route) -> str | None:
    """A routed tool's one text argument straight from the message: for a query, idea or claim what the
    message names, for a text the passage pasted after the request (the model's typed copy of one was
    right 0 of 8 times); None when the model has to fill the arguments in."""
    required = [name for name, spec in tool.args.items() if "default" not in spec]
    if len(required) != 1:
        return None
    value = subject(route.message) if required[0] in REQUEST_ARGUMENTS else route.passage
    return json.dumps({required[0]: value}) if value else None


def repeats(calls: list[dict[str, Any]], name: str, raw_args: str) -> bool:
    """Whether this call was already made in the turn with the same arguments: its result is
    already there (and a write would be saved twice), so the turn goes on to the reply."""
    args = parse_args(raw_args)
    return any(c["tool"] == name.strip() and c["args"] == args for c in calls)


def trajectory_text(calls: list[dict[str, Any]]) -> str:
    if not calls:
        return "(no tools called yet)"
    return "\n".join(f"[{i}] {c['tool']}({json.dumps(c['args'], default=str)[:300]}) -> "
                     f"{'ERROR: ' if c['status'] == 'error' else ''}{c['summary']}"
                     for i, c in enumerate(calls, start=1))


def fallback_reply(calls: list[dict[str, Any]]) -> str:
    """A reply from the tool results when the model wrote none."""
    done = [c for c in calls if c["status"] == "ok"]
    if not done:
        return "I could not get an answer from the tools this time. Try rephrasing, or name what you want me to do."
    return "Here is what I found:\n" + "\n".join(f"- {c['tool']}: {c['summary'][:500]}" for c in done)


class Assistant(dspy.Module):
    """Think, call a tool, read its result; then reply. `on_call` sees each tool call as it completes."""

    def __init__(self, toolbox: Toolbox, step_signature: type[dspy.Signature] = NextAction,
                 reply_signature: type[dspy.Signature] = Reply, max_steps: int = MAX_STEPS,
                 argument_signatures: dict[str, type[dspy.Signature]] | None = None,
                 router: Router | None = None) -> None:
        super().__init__()
        self.toolbox = toolbox
        self.step = dspy.Predict(step_signature)
        self.reply = dspy.Predict(reply_signature)
        self.max_steps = max_steps
        # tool name -> a predictor of its typed arguments, asked after the step chose that tool
        self.arguments = {name: dspy.Predict(sig) for name, sig in (argument_signatures or {}).items()}
        # picks the first tool of a turn by the message's meaning when it is clear, before the model is asked
        self.router = router

    def _typed_args(self, tool: dspy.Tool, model: str, **inputs: str) -> str:
        predictor = self.arguments[tool.name]
        with user_facing_lm_errors(f"Assistant ({tool.name} arguments)", model):
            given = retry_unparsed(predictor, tool=f"{tool.name}({', '.join(tool.args)}): {tool.desc}", **inputs)
        return json.dumps({name: given[name] for name in predictor.signature.output_fields}, default=str)

    def forward(self, context: str, history: str, message: str, on_call: OnCall | None = None) -> dspy.Prediction:
        model = getattr(dspy.settings.lm, "model", "the LM")
        tools = self.toolbox.tools()
        catalogue = self.toolbox.catalogue()
        calls: list[dict[str, Any]] = []
        for step in range(self.max_steps):
            route = self.router.route(message) if self.router and step == 0 else None
            if route:
                name, raw_args, thought = route.tool, "", route.reason()
            else:
                with user_facing_lm_errors("Assistant", model):
                    action = retry_unparsed(self.step, context=context, history=history, message=message,
                                            tools=catalogue, trajectory=trajectory_text(calls))
                name, raw_args, thought = (action.tool or "").strip(), getattr(action, "args", ""), action.thought
                if name == FINISH:
                    break
            derived = routed_args(tools[name], route) if route else None
            if derived is not None:
                raw_args = derived
            elif name in self.arguments:
                raw_args = self._typed_args(tools[name], model, context=context, history=history, message=message,
                                            trajectory=trajectory_text(calls))
            if repeats(calls, name, raw_args):
                break
            call = call_tool(tools, name, raw_args) | {"thought": thought, "routed_by": "meaning" if route else "model"}
            calls.append(call)
            if on_call:
                on_call(call)
        with user_facing_lm_errors("Assistant reply", model):
            reply = retry_unparsed(self.reply, context=context, history=history, message=message,
                                   trajectory=trajectory_text(calls)).reply.strip()
        return dspy.Prediction(reply=reply or fallback_reply(calls), calls=calls)


def build(settings: Settings, creator: str, project: str | None, selection, model: str) -> Assistant:
    """The assistant for a conversation, its instructions from prompts/assistant/ under the run's tag.

    With the embedded model the tool name is an enum, so its grammar keeps the tiny model to
    real tools (unconstrained, it named the creator as a tool), and a second call asks for the
    chosen tool's arguments as typed fields (as free JSON text it wrote ones no tool accepts).
    Before either, a message whose meaning is clearly one tool's goes straight to it (the model
    alone picked the right tool for 3 of 12 held-out requests; see pipelines/assistant/routes.py).
    Other models name tools and write arguments freely, and mistakes are reported back to them.
    """
    base = selection.signature("assistant").instructions
    toolbox = Toolbox(settings, creator, project, selection)
    step = NextAction.with_instructions(f"{base}\n\n{NextAction.instructions}")
    reply = Reply.with_instructions(f"{base}\n\n{Reply.instructions}")
    if model != EMBEDDED_LM:
        return Assistant(toolbox, step, reply, max_steps=MAX_STEPS)
    tools = toolbox.tools()
    step = step.with_updated_fields("tool", type_=Literal[(*tools, FINISH)]).delete("args")
    typed = {name: sig.with_instructions(f"{base}\n\n{sig.instructions}")
             for name, tool in tools.items() if (sig := arguments_for(tool)) is not None}
    router = Router(load_routes(settings, tools), argument_free=[name for name in tools if name not in typed])
    return Assistant(toolbox, step, reply, max_steps=EMBEDDED_MAX_STEPS, argument_signatures=typed, router=router)


def send(settings: Settings, session_id: str, text: str, tag: str | None = None,
         prompts: dict[str, str] | None = None) -> tuple[int, str]:
    """Store the creator's message and queue the turn that answers it (on a pipeline tag and
    per-step prompt overrides when given); (turn, job id)."""
    from pipelines import jobs

    text = chat.check_message(text)
    chat.get_session(settings, session_id)
    turn = chat.next_turn(settings, session_id)
    chat.add_message(settings, session_id, turn, "user", text)
    job_id, _ = jobs.create(settings, "chat-turn", {"session": session_id, "turn": turn, "tag": tag,
                                                    "prompts": prompts or {}})
    return turn, job_id


@job_kind("chat-turn", ChatTurnParams)
def run_turn(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Answer the creator's message of one turn with the tools; every step lands in chat_messages."""
    settings = ctx.settings
    session = chat.get_session(settings, params["session"])
    turn = int(params["turn"])
    earlier = chat.messages(settings, session["id"])
    asked = [m for m in earlier if m["turn"] == turn and m["role"] == "user"]
    if not asked:
        raise ScriptwrightError(f"Conversation {session['id']} has no message for turn {turn}.")
    history = chat.history_text([m for m in earlier if m["turn"] < turn])
    try:
        selection = ctx.prompts(params.get("tag"), params.get("prompts"))
        lm = lm_for_role(settings, "research")
        agent = build(settings, session["creator"], session["project_id"], selection, lm.model)
        context = chat.context_text(settings, agent.toolbox.creator, session["project_id"])
        steps = {"n": 0}

        def on_call(call: dict[str, Any]) -> None:
            steps["n"] += 1
            kept = {k: call.get(k) for k in ("result", "wrote", "thought", "routed_by")}
            chat.add_message(settings, session["id"], turn, "tool", call["summary"], tool_name=call["tool"],
                             tool_args=call["args"], tool_result=kept,
                             status=call["status"], job_id=ctx.job_id)
            ctx.progress(min(0.9, steps["n"] / agent.max_steps), f"Called {call['tool']}")

        ctx.progress(0.02, f"Thinking with {lm.model}")
        with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
            pred = agent(context=context, history=history, message=asked[-1]["content"], on_call=on_call)
    except ScriptwrightError as exc:
        chat.add_message(settings, session["id"], turn, "error", str(exc), status="error", job_id=ctx.job_id)
        return {"session": session["id"], "turn": turn, "error": str(exc)}
    except Exception as exc:
        chat.add_message(settings, session["id"], turn, "error",
                         f"The turn stopped: {type(exc).__name__}: {exc}. The conversation is kept; try again.",
                         status="error", job_id=ctx.job_id)
        raise
    wrote = [c["wrote"] for c in pred.calls if c.get("wrote")]
    chat.add_message(settings, session["id"], turn, "assistant", pred.reply, job_id=ctx.job_id,
                     tool_result={"wrote": wrote} if wrote else None)
    return {"session": session["id"], "turn": turn, "reply": pred.reply, "tools": [c["tool"] for c in pred.calls],
            "errors": sum(c["status"] == "error" for c in pred.calls), "wrote": wrote}
