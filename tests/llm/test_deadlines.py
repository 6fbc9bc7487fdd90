"""Model calls end at one overall deadline: a silent or trickling server, a slow local generation.

The bounds are generous (a 1.5 s deadline must end within 5 s): what they catch is a call that waits per
read (a trickle never times out) or once per try.
"""

from __future__ import annotations

import io
import itertools
import time
from collections.abc import Callable

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agent.approval.console import ConsoleApprover
from agent.graph.events import RunEvents
from agent.llm.budget import Deadline, GenerationProgress
from agent.llm.errors import ModelDeadlineError
from agent.llm.local import LocalChatModel
from agent.llm.messages import to_turns
from agent.llm.openai_compat import OpenAICompatChatModel
from tests.llm.schemas import RESPONSE_FORMAT
from tests.llm.stall_server import Mode, stall_server

MESSAGES = [SystemMessage("You are Sleuth."), HumanMessage("Next step?")]
DEADLINE_S = 1.5
MARGIN_S = 3.5


class Terminal(io.StringIO):
    """Console output that says it is a terminal (the progress line is then redrawn in place)."""

    def isatty(self) -> bool:
        return True


def ticks(step: float = 1.0) -> Callable[[], float]:
    """A clock that moves `step` seconds each time it is read: a deadline passes after a known count."""
    counter = itertools.count()
    return lambda: next(counter) * step


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["silent", "trickle", "trickle_body", "sse_forever"])
def test_a_server_that_never_finishes_ends_at_the_deadline(mode: Mode) -> None:
    with stall_server(mode, gap_s=0.5) as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=DEADLINE_S)
        started = time.monotonic()
        with pytest.raises(ModelDeadlineError, match=f"within {DEADLINE_S:g} s") as caught:
            model.invoke(MESSAGES)
        took = time.monotonic() - started
    assert DEADLINE_S - 0.1 <= took < DEADLINE_S + MARGIN_S, f"{mode}: ended after {took:.1f} s"
    assert server.base_url in str(caught.value)
    if mode == "silent":
        assert "did not answer" in str(caught.value)
    if mode == "sse_forever":
        assert "tokens received" in str(caught.value)


@pytest.mark.timeout(60)
def test_a_caller_deadline_shorter_than_the_backends_own_wins() -> None:
    with stall_server("trickle") as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=120)
        started = time.monotonic()
        with pytest.raises(ModelDeadlineError, match=f"within {DEADLINE_S:g} s"):
            model.invoke(MESSAGES, deadline=Deadline(DEADLINE_S))
        assert time.monotonic() - started < DEADLINE_S + MARGIN_S


@pytest.mark.timeout(60)
def test_a_streamed_answer_reports_tokens_and_a_silent_one_elapsed_time() -> None:
    seen: list[GenerationProgress] = []
    with stall_server("sse", tokens=12, gap_s=0.1) as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=20)
        answer = model.invoke(MESSAGES, on_progress=seen.append)
    assert answer.content == "".join(f"t{i} " for i in range(12))
    assert seen and seen[-1].tokens == 12 and seen[-1].counted
    assert [p.tokens for p in seen] == sorted(p.tokens for p in seen)
    assert "12 tokens" in seen[-1].describe() and "tokens/s" in seen[-1].describe()

    waiting: list[GenerationProgress] = []
    with stall_server("silent") as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=2.5)
        with pytest.raises(ModelDeadlineError):
            model.invoke(MESSAGES, on_progress=waiting.append)
    assert waiting and not waiting[-1].counted and "waiting for the server" in waiting[-1].describe()


@pytest.mark.timeout(60)
def test_the_console_redraws_one_progress_line_in_place_on_a_terminal() -> None:
    out = Terminal()
    console, events = ConsoleApprover(stdin=io.StringIO(), stdout=out), RunEvents()
    events.bind(console)
    with stall_server("sse", tokens=15, gap_s=0.1) as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=20)
        model.invoke(MESSAGES, on_progress=events.model_progress)
    events.progress(None)
    events.notify("next line")
    text = out.getvalue()
    assert text.count("\r   … model: ") >= 2  # redrawn in place, not one line per update
    assert "15 tokens" in text and "tokens/s" in text
    assert text.endswith("\r   ✓ next line\n") and "\n   … model" not in text  # cleared, then the line


def test_off_a_terminal_the_console_writes_a_progress_line_every_few_seconds_at_most() -> None:
    out = io.StringIO()
    console = ConsoleApprover(stdin=io.StringIO(), stdout=out)
    for n in range(50):
        console.progress_line(f"model: {n} tokens, 1.0 tokens/s (1.0 s)")
    assert out.getvalue() == "   … model: 0 tokens, 1.0 tokens/s (1.0 s)\n"
    console.progress_line("model: \x1b[2Jwiped, 1.0 tokens/s")  # inert even off a terminal
    assert "\x1b" not in out.getvalue()


def test_the_local_model_stops_generating_at_the_deadline(tiny_chat: LocalChatModel) -> None:
    engine = tiny_chat.runtime.engine
    prompt = tiny_chat.runtime.render(to_turns(MESSAGES))
    free = engine.generate(prompt, grammar=None, max_new_tokens=64)
    assert len(free.token_ids) > 5, "the tiny model must talk for a while without a deadline"
    # The clock moves 1 s per reading: it starts at 0 and ends at 4; the check after the 4th token reads 4.
    stopped = engine.generate(prompt, grammar=None, max_new_tokens=64, deadline=Deadline(4, clock=ticks()))
    assert stopped.finish == "deadline"
    assert len(stopped.token_ids) == 4 and stopped.token_ids == free.token_ids[:4]


def test_a_local_call_past_its_deadline_is_a_deadline_error_with_progress(tiny_chat: LocalChatModel) -> None:
    seen: list[GenerationProgress] = []
    with pytest.raises(
        ModelDeadlineError, match=r"did not finish its answer within 3 s \(\d+ tokens generated\)"
    ):
        tiny_chat.invoke(
            MESSAGES,
            response_format=RESPONSE_FORMAT,
            deadline=Deadline(3, clock=ticks()),
            on_progress=seen.append,
        )
    assert seen and seen[-1].tokens >= 1 and seen[-1].counted
    # The model still answers afterwards (the cache was left consistent).
    tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT)


def test_a_deadline_must_be_a_positive_number() -> None:
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(Exception, match="positive number of seconds"):
            Deadline(bad)
