"""Which communities a bot process serves: all of its platform's, or, for Discord shards split across
processes, the guilds of its shards (Discord's rule: shard = (guild_id >> 22) % shard_count)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shards:
    """Some shards of `count`: this process serves the guilds whose shard is in `ids`."""

    ids: tuple[int, ...]
    count: int

    def serves(self, community: str) -> bool:
        """Whether a guild (its id as stored) belongs to one of these shards. A community whose id is not a
        number (never on Discord) is served by shard 0, as Discord sends direct messages there."""
        try:
            shard = (int(community) >> 22) % self.count
        except ValueError:
            shard = 0
        return shard in self.ids

    @property
    def text(self) -> str:
        """As stored beside a process's lease: '0,1/4'."""
        return f"{','.join(map(str, self.ids))}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shards | None:
        """The stored text back ('' means every community of the platform)."""
        if not text:
            return None
        ids, _, count = text.partition("/")
        return cls(tuple(int(i) for i in ids.split(",")), int(count))

    def __str__(self) -> str:
        return f"shard{'s' if len(self.ids) > 1 else ''} {','.join(map(str, self.ids))} of {self.count}"


def serves(shards: Shards | None, community: str) -> bool:
    """Whether a process with `shards` (None: all) serves `community`."""
    return shards is None or shards.serves(community)


def overlap(a: Shards | None, b: Shards | None) -> bool:
    """Whether two processes of one platform would both serve some community. Shard sets only split cleanly
    under the same count: under different counts a guild's shard differs, so they are taken to overlap."""
    if a is None or b is None or a.count != b.count:
        return True
    return bool(set(a.ids) & set(b.ids))
