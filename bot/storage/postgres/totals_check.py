"""The kept totals against totals recomputed from the answers, on PostgreSQL: after migrate-db's copy, proof
that what the boards read (players' live rows and scores, team members' rows, team_scores) is what the answers
say, before anything is committed.

What the answers decide is recomputed: every credited answer (points set when its round closed) counts for
'all', its round's ISO week and calendar month (UTC, as bot/core/periods.py keys them), for its player and for
the team the player was in when the round was posted (team_spans). Which rounds a competition counted depends
on when it was ended, which the answers do not say: competition rows are checked against each other instead
(a team's total is the sum of its members' rows, in every period)."""

from __future__ import annotations

from typing import Any

from ...core.errors import StorageError

_CREDITED = """
credited AS (
    SELECT ch.community_id, a.player_id, a.points, a.correct, coalesce(r.posted_at, r.created_at) AS at
    FROM answers a JOIN rounds r ON r.id = a.round_id JOIN channels ch ON ch.id = r.channel_id
    WHERE a.points IS NOT NULL
),
keyed AS (
    SELECT c.*, k.period COLLATE "C" AS period FROM credited c CROSS JOIN LATERAL (VALUES ('all'),
        ('week:' || to_char(to_timestamp(c.at) AT TIME ZONE 'UTC', 'IYYY-"W"IW')),
        ('month:' || to_char(to_timestamp(c.at) AT TIME ZONE 'UTC', 'YYYY-MM'))) AS k (period)
),
member_rows AS (
    SELECT team_id, 'all' COLLATE "C" AS period, player_id, points, correct, answered FROM team_members
        WHERE answered > 0
    UNION ALL SELECT team_id, week, player_id, week_points, week_correct, week_answered FROM team_members
        WHERE week <> ''
    UNION ALL SELECT team_id, month, player_id, month_points, month_correct, month_answered FROM team_members
        WHERE month <> ''
    UNION ALL SELECT team_id, period, player_id, points, correct, answered FROM team_member_points
)
"""
# Each check: (what, the kept rows, the rows they must equal). Keys first, then points, correct, answered.
_CHECKS = (
    (
        "player totals",
        "SELECT community_id, period, player_id, points::bigint, correct::bigint, answered::bigint "
        "FROM score_rows WHERE period NOT LIKE 'competition:%'",
        "SELECT community_id, period, player_id, sum(points), sum(correct), count(*) FROM keyed "
        "GROUP BY community_id, period, player_id",
    ),
    (
        "team member totals",
        "SELECT team_id, period, player_id, points::bigint, correct::bigint, answered::bigint "
        "FROM member_rows WHERE period NOT LIKE 'competition:%'",
        "SELECT t.team_id, k.period, k.player_id, sum(k.points), sum(k.correct), count(*) FROM keyed k "
        "CROSS JOIN LATERAL (SELECT s.team_id FROM team_spans s WHERE s.player_id = k.player_id "
        "AND s.joined_at <= k.at AND (s.left_at IS NULL OR s.left_at > k.at) ORDER BY s.joined_at DESC LIMIT 1) t "
        "GROUP BY t.team_id, k.period, k.player_id",
    ),
    (
        "team totals",
        "SELECT team_id, period, 0::bigint, points::bigint, correct::bigint, answered::bigint, active::bigint "
        "FROM team_scores",
        "SELECT team_id, period, 0::bigint, sum(points), sum(correct), sum(answered), "
        "count(*) FILTER (WHERE answered > 0) FROM member_rows GROUP BY team_id, period",
    ),
)


def _compare(kept: str, expected: str) -> str:
    """Rows kept, rows differing (either way), and the first difference as JSON (of this module's constants)."""
    return (
        f"WITH {_CREDITED}, kept AS ({kept}), expected AS ({expected}), diff AS ("  # noqa: S608 (constants)
        "(SELECT 'kept' AS side, * FROM kept EXCEPT ALL SELECT 'kept', * FROM expected) UNION ALL "
        "(SELECT 'recomputed' AS side, * FROM expected EXCEPT ALL SELECT 'recomputed', * FROM kept)) "
        "SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM diff), "
        "(SELECT row_to_json(d)::text FROM (SELECT * FROM diff ORDER BY 2, 3, 4, 1 LIMIT 1) d)"
    )


async def check_totals(conn: Any) -> int:
    """Raise StorageError naming the first difference between the kept totals and the recomputed ones; return
    how many rows of totals were compared. Runs on `conn` (inside the caller's transaction)."""
    compared = 0
    for what, kept, expected in _CHECKS:
        rows, differing, first = await conn.fetchrow(_compare(kept, expected))
        if differing:
            raise StorageError(
                f"{what} differ from the totals recomputed from the answers in {differing} rows (first: {first})"
            )
        compared += rows
    return compared
