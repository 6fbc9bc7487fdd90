"""The terminal approval console: shows a proposal, reads one answer line (a person or a script on stdin)."""

from __future__ import annotations

import getpass
import json
import math
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from agent.approval.request import (
    HELP,
    Answer,
    AnswerSyntaxError,
    ApprovalRequest,
    ApprovalUnavailableError,
    ApproverBase,
    ApproverCapabilities,
    parse_answer,
    printable,
)
from tools.transport.known_hosts import NewHostKey

PROGRESS_EVERY_S = 5.0
"""Least seconds between two progress lines when the output is not a terminal (a log keeps each line)."""

PIN_PREFIX_LENGTH = 8
"""How many fingerprint characters (after `SHA256:`) the console asks for before it pins a host key."""


def pin_answer(fingerprint: str) -> str:
    """The answer that pins a key on the console: its fingerprint's first characters after `SHA256:`."""
    return fingerprint.removeprefix("SHA256:")[:PIN_PREFIX_LENGTH]


class ConsoleApprover(ApproverBase):
    """Asks on a terminal (or reads answers piped on stdin); EOF means no answer: the case pauses."""

    capabilities = ApproverCapabilities(
        notifies=True, shows_progress_line=True, confirms_host_keys=True, asks_passphrases=True
    )
    """Everything but `progressed()`: it has no step list to redraw, its lines are the record."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stderr
        self._transient = 0  # length of the progress line drawn in place (0: none)
        self._last_progress = -math.inf  # when the last progress line was written (not a terminal)

    def _write(self, text: str) -> None:
        # Every line may carry attacker-chosen text (items, args, rationale, remote errors).
        self._clear_progress()
        self.out.write("\n".join(printable(line) for line in text.split("\n")))

    def _read_line(self) -> str:
        """One answer line; Ctrl-C there ends the prompt's line first, so what is said next starts its own."""
        try:
            return self.stdin.readline()
        except KeyboardInterrupt:
            self.out.write("\n")
            self.out.flush()
            raise

    def _clear_progress(self) -> None:
        if self._transient:
            self.out.write("\r" + " " * self._transient + "\r")
            self._transient = 0

    def progress_line(self, text: str | None) -> None:
        """The model's progress: redrawn in place with `\\r` on a terminal; else a line every few seconds."""
        if text is None:
            self._clear_progress()
            self.out.flush()
            return
        line = f"   … {printable(text)}"
        if self.out.isatty():
            width = shutil.get_terminal_size().columns - 1
            line = line[:width]
            self.out.write("\r" + line + " " * max(0, self._transient - len(line)))
            self._transient = len(line)
        else:
            now = time.monotonic()
            if now - self._last_progress < PROGRESS_EVERY_S:
                return
            self._last_progress = now
            self.out.write(line + "\n")
        self.out.flush()

    def show(self, request: ApprovalRequest) -> None:
        """Print the proposal: step, tool, hosts, items, args, rationale."""
        p = request.proposal
        w = self._write
        w(f"\n── step {request.step_number}/{request.step_count} · {p.step_id} — {request.step_title}\n")
        kind = "follow-up proposed by the model" if p.followup else f"proposed by {p.source}"
        w(f"   {p.id}: {p.tool} ({kind})\n")
        w(f"   hosts  {', '.join(p.hosts)}\n")
        if p.items:
            w(f"   items  {len(p.items)}: {', '.join(p.items)}\n")
        w(f"   args   {json.dumps(p.args, sort_keys=True, ensure_ascii=False)}\n")
        if p.rationale:
            w(f"   why    {p.rationale}\n")
        if request.validation_note:
            w(f"   ! {request.validation_note}\n")

    def notify(self, text: str, *, error: bool = False) -> None:
        """Print a run's outcome under the decision that allowed it."""
        self._write(f"   {'!' if error else '✓'} {text}\n")
        self.out.flush()

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """Show a host key seen for the first time; only its fingerprint's first characters, typed, pin it.

        A stray `yes` or `a` piped into the console (meant for proposals) refuses: a script cannot pin a key
        without knowing it.
        """
        expected = pin_answer(key.fingerprint)
        self._write(
            f"\n── unknown host key: {key.host} ({key.known_hosts_name}) offers {key.key_type}\n"
            f"   {key.fingerprint}\n"
            "   compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub, read over a\n"
            f"   channel you trust); pinning writes it to {key.known_hosts}\n"
        )
        self.out.write(
            f"   to pin this key and connect, type the first {PIN_PREFIX_LENGTH} characters after `SHA256:`"
            " (anything else refuses): "
        )
        self.out.flush()
        line = self._read_line()
        pinned = bool(expected) and line.strip() == expected
        self.out.write(f"   → {'pinned' if pinned else 'refused'}\n")
        return pinned

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """Read the passphrase of an encrypted key: without echo on a terminal, else one line of stdin."""
        again = " (the last one was wrong)" if attempt > 1 else ""
        prompt = f"   passphrase of {key_file} for {host}{again}: "
        if self.stdin.isatty():
            return getpass.getpass(printable(prompt), stream=self.out) or None
        self._write(prompt)
        self.out.flush()
        line = self._read_line()
        self.out.write("\n")
        return line.rstrip("\r\n") or None

    def ask(self, request: ApprovalRequest) -> Answer:
        """Show the request and read answers until one parses."""
        self.show(request)
        while True:
            self.out.write("   [a]pprove [e]dit [d]eny [s]kip a[b]ort ? ")
            self.out.flush()
            line = self._read_line()
            if not line:
                raise ApprovalUnavailableError("no answer on stdin (end of input)")
            if line.strip() in ("?", "help", "h"):
                self.out.write(f"   {HELP}\n")
                continue
            try:
                answer = parse_answer(line, request.proposal)
            except AnswerSyntaxError as exc:
                self.out.write(f"   ! {exc}\n")
                continue
            self.out.write(f"   → {answer.verdict}\n")
            return answer
