"""A refused team or competition command changes nothing: no half-made team, no moved member."""

from __future__ import annotations

import pytest

from bot.core.admin import Admin
from bot.core.errors import ConflictError, InvalidInputError
from bot.core.service import QuizService


async def _names(admin: Admin, service: QuizService) -> dict[str, tuple[str | None, int]]:
    channel = await service.channel("g", "c")
    return {t.name: (t.role_ref, t.members) for t in await admin.teams(channel)}


async def test_refused_bind_role_creates_no_team(service: QuizService) -> None:
    admin = Admin(service)
    channel = await service.channel("g", "c")
    await admin.bind_role(channel, "Reds", "role-1", admin=True)
    with pytest.raises(ConflictError, match="'Reds'"):
        await admin.bind_role(channel, "Blues", "role-1", admin=True)
    assert await _names(admin, service) == {"Reds": ("role-1", 0)}
    assert await service.store.find_team(channel.community_id, "Blues") is None


async def test_bind_role_to_an_existing_team_and_rebinding_the_same_role(service: QuizService) -> None:
    admin = Admin(service)
    channel = await service.channel("g", "c")
    await admin.create_team(channel, "Blues", "u1", "Ann")
    bound = await admin.bind_role(channel, "blues", "role-2", admin=True)  # names ignore case
    assert (bound.name, bound.role_ref, bound.members) == ("Blues", "role-2", 1)
    again = await admin.bind_role(channel, "Blues", "role-2", admin=True)  # its own role: not a conflict
    assert again.role_ref == "role-2"
    assert await _names(admin, service) == {"Blues": ("role-2", 1)}


async def test_refused_team_create_leaves_the_asker_where_they_were(service: QuizService) -> None:
    admin = Admin(service)
    channel = await service.channel("g", "c")
    await admin.create_team(channel, "Reds", "u1", "Ann")
    await admin.create_team(channel, "Blues", "u2", "Bob")
    with pytest.raises(ConflictError):
        await admin.create_team(channel, "reds", "u2", "Bob")  # taken: Bob stays in Blues
    with pytest.raises(InvalidInputError):
        await admin.create_team(channel, "_bad_", "u3", "Cy")
    assert await _names(admin, service) == {"Blues": (None, 1), "Reds": (None, 1)}
    assert await service.store.find_player(channel.community_id, "u3") is None


async def test_refused_competition_start_creates_nothing(service: QuizService) -> None:
    admin = Admin(service)
    channel = await service.channel("g", "c")
    await admin.start_competition(channel, "Cup", "2h", admin=True)
    for name, ends in (("Cup", "3h"), ("Plate", "10s"), ("Plate", "someday")):
        with pytest.raises((ConflictError, InvalidInputError)):
            await admin.start_competition(channel, name, ends, admin=True)
    assert [c.name for c in await service.store.competitions(channel.community_id)] == ["Cup"]
