"""Compiled xgrammar grammars for JSON Schemas, cached per schema (a compile costs ~0.5 s on a real vocab)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

import xgrammar as xgr

from agent.llm.errors import ModelRequestError


def _drop_lengths_beside_patterns(node: object) -> object:
    if isinstance(node, dict):
        out = {k: _drop_lengths_beside_patterns(v) for k, v in node.items()}
        if (
            "pattern" in out
        ):  # xgrammar ignores (and warns about) a length next to a pattern; the pattern rules
            out.pop("minLength", None)
            out.pop("maxLength", None)
        return out
    if isinstance(node, list):
        return [_drop_lengths_beside_patterns(v) for v in node]
    return node


def grammar_schema_text(schema_text: str) -> str:
    """The schema as the grammar compiler takes it: length bounds beside a pattern are left to the pattern
    (xgrammar would ignore them with a warning on stderr); pydantic still checks them afterwards."""
    schema = json.loads(schema_text)
    return json.dumps(_drop_lengths_beside_patterns(schema), ensure_ascii=False)


class GrammarCache:
    """Compiles a JSON Schema (canonical text) into a grammar for one tokenizer, once; LRU-bounded."""

    def __init__(self, tokenizer_info: xgr.TokenizerInfo, *, max_entries: int = 64) -> None:
        """Compile against `tokenizer_info` (its vocab_size is the padded embedding size)."""
        self._compiler = xgr.GrammarCompiler(tokenizer_info, cache_enabled=True)
        self._entries: OrderedDict[str, xgr.CompiledGrammar] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()

    def json_schema(self, schema_text: str) -> xgr.CompiledGrammar:
        """The grammar of compact JSON (no free whitespace) that validates against `schema_text`."""
        with self._lock:
            hit = self._entries.get(schema_text)
            if hit is not None:
                self._entries.move_to_end(schema_text)
                return hit
        try:
            compiled = self._compiler.compile_json_schema(
                grammar_schema_text(schema_text),
                any_whitespace=False,
                separators=(",", ":"),
                strict_mode=True,
            )
        except (RuntimeError, ValueError, TypeError) as exc:
            raise ModelRequestError(f"the JSON Schema cannot be turned into a grammar: {exc}") from exc
        with self._lock:
            self._entries[schema_text] = compiled
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return compiled

    def __len__(self) -> int:
        """How many grammars are cached."""
        return len(self._entries)
