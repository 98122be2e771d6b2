"""The kept totals against totals recomputed from the answers, on PostgreSQL: after migrate-db's copy, proof
that what the boards read (players' live rows and scores, team members' rows, team_scores) is what the answers
say, before anything is committed.

What the answers decide is recomputed: every credited answer (points set when its round closed) counts for
'all', its round's ISO week and calendar month (UTC, as bot/core/periods.py keys them), for its player and for
the team the player was in when the round was posted (team_spans; a player's spans never overlap). Which rounds
a competition counted depends on when it was ended, which the answers do not say: competition rows are checked
against each other instead (a team's total is the sum of its members' rows, in every period; a team's kept top N
points, the sum of its N best members' rows)."""

from __future__ import annotations

from typing import Any

from ...core.errors import StorageError

# The period keys are a function of the round (its posting time), so they are computed once per round; a
# player's (or a team member's) answers are summed per week and month first, and those sums roll up into 'all',
# the week and the month.
_CREDITED = """
keyed_rounds AS (
    SELECT r.id, ch.community_id, coalesce(r.posted_at, r.created_at) AS at,
        ('week:' || to_char(to_timestamp(coalesce(r.posted_at, r.created_at)) AT TIME ZONE 'UTC', 'IYYY-"W"IW'))
            COLLATE "C" AS week,
        ('month:' || to_char(to_timestamp(coalesce(r.posted_at, r.created_at)) AT TIME ZONE 'UTC', 'YYYY-MM'))
            COLLATE "C" AS month
    FROM rounds r JOIN channels ch ON ch.id = r.channel_id
),
credited AS (
    SELECT k.community_id, k.at, k.week, k.month, a.player_id, a.points, a.correct
    FROM answers a JOIN keyed_rounds k ON k.id = a.round_id WHERE a.points IS NOT NULL
),
player_weeks AS (
    SELECT community_id AS owner, player_id, week, month, sum(points) AS points, sum(correct) AS correct,
        count(*) AS answered
    FROM credited GROUP BY community_id, player_id, week, month
),
member_weeks AS (
    SELECT s.team_id AS owner, c.player_id, c.week, c.month, sum(c.points) AS points, sum(c.correct) AS correct,
        count(*) AS answered
    FROM credited c JOIN team_spans s ON s.player_id = c.player_id AND s.joined_at <= c.at
        AND (s.left_at IS NULL OR s.left_at > c.at)
    GROUP BY s.team_id, c.player_id, c.week, c.month
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


def _rolled_up(weeks: str) -> str:
    """(owner, period, player, points, correct, answered, 0) for 'all', each week and each month, from `weeks`."""
    sums = "sum(points)::int, sum(correct)::int, sum(answered)::int, 0"
    return " UNION ALL ".join(
        f"SELECT owner, {key}, player_id, {sums} FROM {weeks} GROUP BY owner, {key}, player_id"  # noqa: S608
        for key in ("'all' COLLATE \"C\"", "week", "month")
    )


# Each check: what, the names of its columns (three keys, then figures), the kept rows, the rows they must equal.
# The figures are integers, as stored (their sums below stay bigint; numeric sums would be several times slower).
_FIGURES = ("points", "correct", "answered", "active")
_CHECKS = (
    (
        "player totals",
        ("community_id", "period", "player_id", *_FIGURES),
        "SELECT community_id, period, player_id, points, correct, answered, 0 "
        "FROM score_rows WHERE period NOT LIKE 'competition:%'",
        _rolled_up("player_weeks"),
    ),
    (
        "team member totals",
        ("team_id", "period", "player_id", *_FIGURES),
        "SELECT team_id, period, player_id, points, correct, answered, 0 "
        "FROM member_rows WHERE period NOT LIKE 'competition:%'",
        _rolled_up("member_weeks"),
    ),
    (
        "team totals",
        ("team_id", "period", "none", *_FIGURES),
        "SELECT team_id, period, 0, points, correct, answered, active FROM team_scores",
        "SELECT team_id, period, 0, sum(points)::int, sum(correct)::int, sum(answered)::int, "
        "(count(*) FILTER (WHERE answered > 0))::int FROM member_rows GROUP BY team_id, period",
    ),
    (  # what a 'top N' board reads in place of its members' rows: kept for an N, the N best of them
        "team top points",
        ("team_id", "period", "top_n", "top_points"),
        "SELECT team_id, period, top_n, top_points FROM team_scores WHERE top_n > 0",
        "SELECT s.team_id, s.period, s.top_n, coalesce((SELECT sum(m.points) FROM (SELECT points "
        "FROM team_member_points m WHERE m.team_id = s.team_id AND m.period = s.period "
        "ORDER BY points DESC LIMIT s.top_n) m), 0)::int FROM team_scores s WHERE s.top_n > 0",
    ),
)


def _compare(names: tuple[str, ...], kept: str, expected: str) -> str:
    """Rows kept, keys whose figures differ (kept minus recomputed: one pass over both, grouped by key; a key
    on one side only, or twice on one, differs in 'rows'), and the first such key as JSON. Built from this
    module's constants."""
    keys, figures = names[:3], names[3:]
    columns = ", ".join(names)
    deltas = ", ".join(f"sum(side * {f}) AS {f}" for f in figures)
    differs = " OR ".join(f"sum(side * {f}) <> 0" for f in figures)
    return (
        f"WITH {_CREDITED}, kept ({columns}) AS ({kept}), expected ({columns}) AS ({expected}), "  # noqa: S608
        f"diff AS (SELECT {', '.join(keys)}, {deltas}, sum(side) AS rows FROM ("
        f"SELECT 1 AS side, * FROM kept UNION ALL SELECT -1, * FROM expected) u "
        f"GROUP BY {', '.join(keys)} HAVING {differs} OR sum(side) <> 0) "
        "SELECT (SELECT count(*) FROM kept), (SELECT count(*) FROM diff), "
        f"(SELECT row_to_json(d)::text FROM (SELECT * FROM diff ORDER BY {', '.join(keys)} LIMIT 1) d)"
    )


async def check_totals(conn: Any) -> int:
    """Raise StorageError naming the first difference between the kept totals and the recomputed ones; return
    how many rows of totals were compared. Runs on `conn` (inside the caller's transaction)."""
    # Sums over every answer, hashed in memory rather than sorted on disk, for this transaction only.
    await conn.execute("SET LOCAL work_mem = '256MB'")
    compared = 0
    for what, names, kept, expected in _CHECKS:
        rows, differing, first = await conn.fetchrow(_compare(names, kept, expected))
        if differing:
            raise StorageError(
                f"{what} differ from the totals recomputed from the answers for {differing} keys "
                f"(first, kept minus recomputed: {first})"
            )
        compared += rows
    return compared
