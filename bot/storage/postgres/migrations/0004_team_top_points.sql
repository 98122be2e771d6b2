-- A team's points under a competition's 'top N' rule (the sum of its N best members' points there), kept on
-- its team_scores row as rounds close (bot/storage/postgres/team_totals.py), so the team board reads one row
-- per team instead of probing each team's members (SQLite migration 0009). top_n is the N top_points was
-- summed for; 0: none kept. The board reads top_points only when top_n is the N it asks for, and sums the
-- members' rows itself otherwise.
ALTER TABLE team_scores ADD COLUMN top_n integer NOT NULL DEFAULT 0,
    ADD COLUMN top_points integer NOT NULL DEFAULT 0;

-- Existing totals: every team's row of a competition with an N, summed from its members' rows there.
UPDATE team_scores s SET top_n = c.top_n
FROM competitions c WHERE s.period = 'competition:' || c.id AND c.top_n > 0;
UPDATE team_scores s SET top_points = coalesce((
    SELECT sum(m.points) FROM (
        SELECT points FROM team_member_points m
        WHERE m.team_id = s.team_id AND m.period = s.period ORDER BY points DESC LIMIT s.top_n
    ) m
), 0)
WHERE s.top_n > 0;
