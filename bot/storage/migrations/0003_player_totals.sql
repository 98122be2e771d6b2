-- Live totals on the player's own row: all-time, the current week and the current month, so closing a round
-- changes one row per answer instead of three. A wrong answer only counts (no board index moves); a correct
-- one moves the player in three board indexes. The scores table keeps what is not live: competitions, and
-- past weeks and months, archived by the triggers below when a player's first answer of a new period comes.
-- score_rows is the whole picture, one row per (community, period, player), as scores alone used to be.
ALTER TABLE players ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN week TEXT NOT NULL DEFAULT '';            -- 'week:2026-W48', '' before any
ALTER TABLE players ADD COLUMN week_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN week_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN week_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN month TEXT NOT NULL DEFAULT '';           -- 'month:2026-11'
ALTER TABLE players ADD COLUMN month_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN month_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN month_answered INTEGER NOT NULL DEFAULT 0;

UPDATE players SET points = s.points, correct = s.correct, answered = s.answered
FROM scores s
WHERE s.community_id = players.community_id AND s.period = 'all' AND s.player_id = players.id;

-- Each player's latest week and month become live ('week:YYYY-Www' and 'month:YYYY-MM' sort by time). One
-- grouped pass over scores each: with a single max(), SQLite takes the bare columns from the row holding it.
UPDATE players SET week = w.period, week_points = w.points, week_correct = w.correct, week_answered = w.answered
FROM (
    SELECT player_id, max(period) AS period, points, correct, answered FROM scores
    WHERE period >= 'week:' AND period < 'week;' GROUP BY player_id
) w
WHERE w.player_id = players.id;
UPDATE players SET month = m.period, month_points = m.points, month_correct = m.correct,
    month_answered = m.answered
FROM (
    SELECT player_id, max(period) AS period, points, correct, answered FROM scores
    WHERE period >= 'month:' AND period < 'month;' GROUP BY player_id
) m
WHERE m.player_id = players.id;

DELETE FROM scores WHERE period = 'all'
    OR EXISTS (SELECT 1 FROM players p WHERE p.id = scores.player_id AND scores.period IN (p.week, p.month));

CREATE INDEX players_board_all ON players (community_id, points DESC, id);
CREATE INDEX players_board_week ON players (community_id, week, week_points DESC, id);
CREATE INDEX players_board_month ON players (community_id, month, month_points DESC, id);

CREATE TRIGGER players_archive_week AFTER UPDATE OF week ON players
WHEN old.week != '' AND old.week != new.week
BEGIN
    INSERT INTO scores (community_id, period, player_id, points, correct, answered)
    VALUES (old.community_id, old.week, old.id, old.week_points, old.week_correct, old.week_answered)
    ON CONFLICT (community_id, period, player_id) DO UPDATE SET points = points + excluded.points,
        correct = correct + excluded.correct, answered = answered + excluded.answered;
END;

CREATE TRIGGER players_archive_month AFTER UPDATE OF month ON players
WHEN old.month != '' AND old.month != new.month
BEGIN
    INSERT INTO scores (community_id, period, player_id, points, correct, answered)
    VALUES (old.community_id, old.month, old.id, old.month_points, old.month_correct, old.month_answered)
    ON CONFLICT (community_id, period, player_id) DO UPDATE SET points = points + excluded.points,
        correct = correct + excluded.correct, answered = answered + excluded.answered;
END;

CREATE VIEW score_rows (community_id, period, player_id, points, correct, answered) AS
    SELECT community_id, 'all', id, points, correct, answered FROM players WHERE answered > 0
    UNION ALL
    SELECT community_id, week, id, week_points, week_correct, week_answered FROM players WHERE week != ''
    UNION ALL
    SELECT community_id, month, id, month_points, month_correct, month_answered FROM players WHERE month != ''
    UNION ALL
    SELECT community_id, period, player_id, points, correct, answered FROM scores;
