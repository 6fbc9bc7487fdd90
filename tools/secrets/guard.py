"""Refuse secret files by what they are on the target: the path resolved there, its inode, and its bytes.

A path is checked three ways before any of its content may become rows, evidence or prompt text:
its spelling (tools.secret_paths, at validation), where it resolves on the target (`readlink -m`
follows every link, planted ones included) and which inode that is (`stat -L`: a hard link to
/etc/shadow is /etc/shadow). After the read the same resolution runs again, and the bytes read are
checked for secret formats (tools.secrets.content): a link swapped between the check and the read
either resolves differently or shows secret bytes, and the tool then raises instead of returning
them, so only the refusal (path and kind, never content) is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tools.base import ToolContext
from tools.errors import CommandRefusedError
from tools.secret_paths import SECRET_FILES, secret_reason
from tools.secrets.content import content_secret
from tools.transport.base import CommandOutput

_HINT = "hash it with hash_files or stat it with file_info instead"
_MAX_BYTES = 1024 * 1024  # paths and inode numbers only: a megabyte is far more than they print
_STAT_OK = frozenset({0, 1})  # stat exits 1 when some of the fixed secret files do not exist here


class SecretFileError(CommandRefusedError):
    """The file holds secrets (by where it resolves, its inode or its content): nothing of it is kept."""


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def resolve_argv(paths: Sequence[str]) -> tuple[str, ...]:
    """readlink -m: where each path resolves, every link followed, NUL after each."""
    return ("readlink", "-m", "-z", "--", *paths)


def inode_argv(paths: Sequence[str]) -> tuple[str, ...]:
    """stat -L: the device and inode each path (and each fixed secret file) resolves to, NUL after each."""
    return ("stat", "-L", "--printf", "%d %i %n\\0", "--", *paths, *SECRET_FILES)


def resolve(ctx: ToolContext, paths: Sequence[str]) -> dict[str, str]:
    """Each path to where it resolves on the target (every link followed; missing parts kept as named)."""
    if not paths:
        return {}
    out = ctx.run(resolve_argv(paths), max_bytes=_MAX_BYTES)
    records = out.stdout.split(b"\0")
    if out.truncated or len(records) != len(paths) + 1 or records[-1]:
        raise SecretFileError(f"could not resolve {len(paths)} path(s) on {ctx.transport.host}; refused")
    return {path: _decode(real) for path, real in zip(paths, records, strict=False)}


def _inodes(out: CommandOutput) -> dict[str, tuple[bytes, bytes]]:
    found: dict[str, tuple[bytes, bytes]] = {}
    for record in out.stdout.split(b"\0")[:-1]:
        dev, _, rest = record.partition(b" ")
        ino, _, name = rest.partition(b" ")
        if dev.isdigit() and ino.isdigit():
            found[_decode(name)] = (dev, ino)
    return found


def _refused(asked: str, real: str, why: str) -> SecretFileError:
    where = "" if asked == real else f" (it resolves to {real!r})"
    return SecretFileError(
        f"{asked!r}{where} holds secrets ({why}); its content must not enter evidence, the ledger "
        f"or a model prompt — {_HINT}"
    )


def refuse_located(ctx: ToolContext, paths: Sequence[str]) -> dict[str, str]:
    """Resolve the paths on the target and refuse any that is a secret by location or inode; the map
    from each path to its resolution is what the read must use (and what `recheck` compares)."""
    resolved = resolve(ctx, paths)
    if not resolved:
        return resolved
    for asked, real in resolved.items():
        if secret_reason(real) is not None:
            raise _refused(asked, real, "a secret file's location")
    reals = list(dict.fromkeys(resolved.values()))
    inodes = _inodes(ctx.run(inode_argv(reals), ok_exit=_STAT_OK, max_bytes=_MAX_BYTES))
    secret_ids = {inodes[f]: f for f in SECRET_FILES if f in inodes}
    for asked, real in resolved.items():
        same = secret_ids.get(inodes.get(real, (b"", b"")))
        if same is not None:
            raise _refused(asked, real, f"the same file as {same}")
    return resolved


def recheck(ctx: ToolContext, resolved: Mapping[str, str]) -> None:
    """After the read: the paths still resolve where they did before (a swapped link fails closed)."""
    again = resolve(ctx, list(resolved))
    for asked, real in resolved.items():
        if again[asked] != real:
            raise SecretFileError(
                f"{asked!r} changed while it was read (it resolved to {real!r}, now to "
                f"{again[asked]!r}); refused, nothing of it was kept"
            )
        if secret_reason(again[asked]) is not None:
            raise _refused(asked, again[asked], "a secret file's location")


def refuse_content(path: str, lines: Iterable[bytes]) -> None:
    """Raise when the bytes read from path show a secret format (the bytes are then dropped)."""
    kind = content_secret(lines)
    if kind is not None:
        raise SecretFileError(
            f"{path!r} holds secrets (its content is {kind}); nothing of it was kept — {_HINT}"
        )
