-- A team's points under a competition's 'top N' rule (the sum of its N best members' points there), kept on
-- its team_scores row as rounds close (bot/storage/team_totals.py), so the team board reads one row per team
-- instead of probing each team's members. top_n is the N top_points was summed for; 0: none kept. The board
-- reads top_points only when top_n is the N it asks for, and sums the members' rows itself otherwise.
ALTER TABLE team_scores ADD COLUMN top_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_scores ADD COLUMN top_points INTEGER NOT NULL DEFAULT 0;

-- Existing totals: every team's row of a competition with an N, summed from its members' rows there.
UPDATE team_scores SET top_n = coalesce((
    SELECT c.top_n FROM competitions c
    WHERE c.id = CAST(substr(team_scores.period, 13) AS INTEGER) AND team_scores.period = 'competition:' || c.id
), 0)
WHERE period LIKE 'competition:%';
UPDATE team_scores SET top_points = coalesce((
    SELECT sum(points) FROM (
        SELECT points, row_number() OVER (ORDER BY points DESC) AS place FROM team_member_points m
        WHERE m.team_id = team_scores.team_id AND m.period = team_scores.period
    ) WHERE place <= team_scores.top_n
), 0)
WHERE top_n > 0;
