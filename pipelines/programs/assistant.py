"""The assistant's programs: one agent step (think, pick a tool, give its arguments), typed
arguments for a chosen tool (for grammar-constrained local models), the reply after the tools
have run, and a rewrite of a passage on request."""

from __future__ import annotations

import dspy


class Conversation(dspy.Signature):
    """The creator's new message in its conversation: what every assistant step reads."""

    context: str = dspy.InputField(desc="who the creator is and the state of the project")
    history: str = dspy.InputField(desc="the conversation so far, oldest first")
    message: str = dspy.InputField(desc="the creator's new message")


class AssistantTurn(Conversation):
    """Answer the creator, using the workbench's tools (instructions: prompts/assistant/)."""

    reply: str = dspy.OutputField(desc="the answer to the creator, built on the tool results")


class NextAction(Conversation):
    """Pick the next tool to call, or `finish` when the tool results answer the message."""

    tools: str = dspy.InputField(desc="the tools that can be called, one per line: name(arguments): what it does")
    trajectory: str = dspy.InputField(desc="the tools called so far this turn and what they returned")
    thought: str = dspy.OutputField(desc="one sentence: what is still needed to answer")
    tool: str = dspy.OutputField(desc="the name of the next tool, exactly as listed, or finish")
    # JSON text rather than a dict: a free-form object schema makes grammar-constrained local
    # models crawl (one embedded-LM call ran over 5 minutes; as text it took 33 s, loaded machine).
    args: str = dspy.OutputField(desc='the tool\'s arguments as a JSON object, e.g. {"query": "eigenvectors"}')


class Reply(AssistantTurn):
    """Write the reply from what the tools returned."""

    trajectory: str = dspy.InputField(desc="the tools called this turn and what they returned")


class ToolArguments(Conversation):
    """Give the arguments for the tool just chosen, taken from the creator's message and the tool results."""

    tool: str = dspy.InputField(desc="the tool to call: name(arguments): what it does")
    trajectory: str = dspy.InputField(desc="the tools called so far this turn and what they returned")


def arguments_for(tool: dspy.Tool) -> type[dspy.Signature] | None:
    """ToolArguments with one typed output per required argument of the tool (None when it needs none),
    so a grammar-constrained model can only answer with arguments the tool accepts."""
    required = {name: spec for name, spec in tool.args.items() if "default" not in spec}
    if not required:
        return None
    signature = ToolArguments
    for name, spec in required.items():
        desc = spec.get("description") or f"the {name.replace('_', ' ')} to pass to {tool.name}"
        signature = signature.append(name, dspy.OutputField(desc=desc), type_=tool.arg_types.get(name, str))
    return signature


class RewritePassage(dspy.Signature):
    """Rewrite a passage of a script as asked, in the creator's voice (instructions: prompts/rewrite/)."""

    voice: str = dspy.InputField(desc="the creator's style guide, measured habits and signature phrases")
    passage: str = dspy.InputField(desc="the passage to rewrite")
    request: str = dspy.InputField(desc="what the creator wants changed")
    sentences: list[str] = dspy.OutputField(desc="the rewritten passage, one spoken sentence per item")
