"""Pictures in the terminal: `--image PATH` after /leaderboard or /stats (and `quizbot leaderboard --image`,
`quizbot stats USER --image`) writes the card as a PNG file and prints where; the text is printed as always."""

from __future__ import annotations

import os
from pathlib import Path

from ...cards import compose
from ...core.errors import InvalidInputError
from ..text_commands import Board, Reply, Stats


def take_image(words: list[str]) -> tuple[list[str], Path | None]:
    """The words without `--image PATH`, and the path (None when not given)."""
    if "--image" not in words:
        return words, None
    at = words.index("--image")
    if at + 1 >= len(words) or words[at + 1].startswith("--"):
        raise InvalidInputError("--image needs a file name, e.g. --image board.png")
    return words[:at] + words[at + 2 :], Path(words[at + 1]).expanduser()


async def write_card(make: compose.Make, path: Path) -> str:
    """Draw a card into `path`; the line to print, saying where it went or why it did not."""
    png = await compose.draw(make)
    if png is None:
        return "! the picture could not be drawn (see the log); the text above is the same"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(png)
        os.replace(tmp, path)  # a reader never sees half a file
    except OSError as exc:
        return f"! could not write {path}: {exc.strerror or exc}"
    return f"picture: {path}"


async def write_reply(reply: Reply, path: Path, viewer: str) -> str:
    """The picture of a board or stats reply, written to `path`."""
    if isinstance(reply, Board):
        return await write_card(compose.board(reply.view, viewer), path)
    if isinstance(reply, Stats) and reply.progress is not None:
        return await write_card(compose.progress(reply.progress), path)
    return "! --image works with /leaderboard, /competition standings and /stats"
