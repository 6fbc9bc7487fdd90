"""Wiring only: the investigation graph, built by a factory (never compiled at import)."""

from __future__ import annotations

from functools import partial
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.types import Checkpointer

from agent.case.state import CaseState
from agent.graph.context import RunContext
from agent.graph.nodes.advance import advance
from agent.graph.nodes.analyse import analyse
from agent.graph.nodes.approve import approve
from agent.graph.nodes.execute import execute
from agent.graph.nodes.plan import plan
from agent.graph.nodes.propose import propose
from agent.graph.nodes.report import report
from agent.graph.routes import (
    route_after_advance,
    route_after_analyse,
    route_after_approve,
    route_after_execute,
    route_after_plan,
    route_after_propose,
)


def build_graph(*, total_steps: int, followups: bool) -> StateGraph[CaseState, RunContext, Any, Any]:
    """plan -> propose -> approve (interrupt) -> execute -> analyse -> (propose | advance) ... -> report.

    `followups`: the proposer may propose more calls after a step's own (analyse goes back to propose).
    """
    graph: StateGraph[CaseState, RunContext, Any, Any] = StateGraph(CaseState, context_schema=RunContext)
    graph.add_node("plan", plan)
    graph.add_node("propose", propose)
    graph.add_node("approve", approve)
    graph.add_node("execute", execute)
    graph.add_node("analyse", analyse)
    graph.add_node("advance", advance)
    graph.add_node("report", report)
    graph.add_edge(START, "plan")
    graph.add_conditional_edges(
        "plan", partial(route_after_plan, total_steps=total_steps), ["propose", "report"]
    )
    graph.add_conditional_edges("propose", route_after_propose, ["approve", "advance"])
    graph.add_conditional_edges("approve", route_after_approve, ["execute", "propose", "advance"])
    graph.add_conditional_edges("execute", route_after_execute, ["analyse", "propose"])
    graph.add_conditional_edges(
        "analyse", partial(route_after_analyse, followups=followups), ["propose", "advance"]
    )
    graph.add_conditional_edges("advance", route_after_advance, ["plan", "report"])
    graph.add_edge("report", END)
    return graph


def compile_graph(graph: StateGraph[CaseState, RunContext, Any, Any], checkpointer: Checkpointer) -> Any:
    """Compile with a checkpointer (SqliteSaver per case)."""
    return graph.compile(checkpointer=checkpointer)
