-- Fair team competitions: points belong to the team a player was in when the question was posted.
--
-- Membership has a history: one team_spans row per stay in a team (joined_at <= posted_at < left_at counts).
-- team_members stays the current membership and carries the member's live totals within that team (all-time,
-- week, month), as players does for the player (migration 0003); a past week or month, a competition, and
-- the totals of a team a player has left are rows of team_member_points. team_scores is each team's total
-- per period, with its count of active members (members who answered at least once there), so every board
-- reads one row per team; teams.members counts current members, kept by the triggers below.
--
-- Current memberships are dated from 0 (the beginning of time), not from the player's first answer: rounds
-- are credited by the time they were posted, which comes before their answers, so 0 is the one date that
-- keeps every point already won on the member's current team, exactly as team boards summed them before.
CREATE TABLE team_spans (
    id        INTEGER PRIMARY KEY,
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    player_id INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    joined_at REAL NOT NULL,
    left_at   REAL                     -- NULL: still a member
);
CREATE INDEX team_spans_by_player ON team_spans (player_id, joined_at);
CREATE INDEX team_spans_joined ON team_spans (joined_at);
CREATE INDEX team_spans_left ON team_spans (left_at) WHERE left_at IS NOT NULL;
INSERT INTO team_spans (team_id, player_id, joined_at) SELECT team_id, player_id, 0 FROM team_members;

ALTER TABLE team_members ADD COLUMN points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN week TEXT NOT NULL DEFAULT '';
ALTER TABLE team_members ADD COLUMN week_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN week_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN week_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN month TEXT NOT NULL DEFAULT '';
ALTER TABLE team_members ADD COLUMN month_points INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN month_correct INTEGER NOT NULL DEFAULT 0;
ALTER TABLE team_members ADD COLUMN month_answered INTEGER NOT NULL DEFAULT 0;

CREATE TABLE team_member_points (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period    TEXT NOT NULL,           -- 'all', 'week:2026-W48', 'month:2026-11', 'competition:7'
    player_id INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    points    INTEGER NOT NULL DEFAULT 0,
    correct   INTEGER NOT NULL DEFAULT 0,
    answered  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, period, player_id)
) WITHOUT ROWID;
CREATE INDEX team_member_points_top ON team_member_points (team_id, period, points DESC);

CREATE TABLE team_scores (
    team_id  INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    period   TEXT NOT NULL,
    points   INTEGER NOT NULL DEFAULT 0,
    correct  INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 0,   -- members who answered at least once in the period, for this team
    PRIMARY KEY (team_id, period)
) WITHOUT ROWID;

ALTER TABLE teams ADD COLUMN members INTEGER NOT NULL DEFAULT 0;

-- Existing totals: every current member's totals belong to their team (joined at 0).
UPDATE team_members SET points = p.points, correct = p.correct, answered = p.answered,
    week = p.week, week_points = p.week_points, week_correct = p.week_correct, week_answered = p.week_answered,
    month = p.month, month_points = p.month_points, month_correct = p.month_correct,
    month_answered = p.month_answered
FROM players p WHERE p.id = team_members.player_id;
INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered)
SELECT m.team_id, s.period, s.player_id, s.points, s.correct, s.answered
FROM scores s JOIN team_members m ON m.player_id = s.player_id;
INSERT INTO team_scores (team_id, period, points, correct, answered, active)
SELECT m.team_id, s.period, sum(s.points), sum(s.correct), sum(s.answered), sum(s.answered > 0)
FROM score_rows s JOIN team_members m ON m.player_id = s.player_id
GROUP BY m.team_id, s.period;
UPDATE teams SET members = (SELECT count(*) FROM team_members m WHERE m.team_id = teams.id);

CREATE TRIGGER team_members_archive_week AFTER UPDATE OF week ON team_members
WHEN old.week != '' AND old.week != new.week
BEGIN
    INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered)
    VALUES (old.team_id, old.week, old.player_id, old.week_points, old.week_correct, old.week_answered)
    ON CONFLICT (team_id, period, player_id) DO UPDATE SET points = points + excluded.points,
        correct = correct + excluded.correct, answered = answered + excluded.answered;
END;

CREATE TRIGGER team_members_archive_month AFTER UPDATE OF month ON team_members
WHEN old.month != '' AND old.month != new.month
BEGIN
    INSERT INTO team_member_points (team_id, period, player_id, points, correct, answered)
    VALUES (old.team_id, old.month, old.player_id, old.month_points, old.month_correct, old.month_answered)
    ON CONFLICT (team_id, period, player_id) DO UPDATE SET points = points + excluded.points,
        correct = correct + excluded.correct, answered = answered + excluded.answered;
END;

CREATE TRIGGER team_members_count_in AFTER INSERT ON team_members
BEGIN
    UPDATE teams SET members = members + 1 WHERE id = new.team_id;
END;
CREATE TRIGGER team_members_count_out AFTER DELETE ON team_members
BEGIN
    UPDATE teams SET members = members - 1 WHERE id = old.team_id;
END;
CREATE TRIGGER team_members_count_move AFTER UPDATE OF team_id ON team_members
WHEN old.team_id != new.team_id
BEGIN
    UPDATE teams SET members = members - 1 WHERE id = old.team_id;
    UPDATE teams SET members = members + 1 WHERE id = new.team_id;
END;

-- Competitions: who competes (players or teams), how a team's points are aggregated (sum, average per active
-- member, or the top N members' points), and whether it repeats (weekly, monthly) as numbered seasons of a
-- series that start one another.
ALTER TABLE competitions ADD COLUMN kind TEXT NOT NULL DEFAULT 'players' CHECK (kind IN ('players', 'teams'));
ALTER TABLE competitions ADD COLUMN rule TEXT NOT NULL DEFAULT 'sum' CHECK (rule IN ('sum', 'average', 'top'));
ALTER TABLE competitions ADD COLUMN top_n INTEGER NOT NULL DEFAULT 0;
ALTER TABLE competitions ADD COLUMN repeats TEXT CHECK (repeats IN ('weekly', 'monthly'));
ALTER TABLE competitions ADD COLUMN series TEXT;      -- the name without the season number; NULL: one-off
ALTER TABLE competitions ADD COLUMN season INTEGER NOT NULL DEFAULT 1;
