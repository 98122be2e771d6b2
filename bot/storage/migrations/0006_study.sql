-- Study features: each person's memory of each question (FSRS state), private sessions (review, practice,
-- mock exam) with their answers, reports of wrong or unclear questions, and who asked for reminders.
-- Memories of channel answers are folded in after each round is revealed, off the close's path; the
-- watermark says up to which round that is done, so a restart finishes what a stop interrupted.
CREATE TABLE memories (
    player_id   INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    state       INTEGER NOT NULL,
    step        INTEGER,
    stability   REAL,
    difficulty  REAL,
    due         REAL NOT NULL,
    last_review REAL,
    reviews     INTEGER NOT NULL,
    lapses      INTEGER NOT NULL,
    PRIMARY KEY (player_id, question_id)
) WITHOUT ROWID;
CREATE INDEX memories_due ON memories (player_id, due);

CREATE TABLE study_sessions (
    id         INTEGER PRIMARY KEY,
    player_id  INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('review', 'practice', 'exam')),
    questions  TEXT NOT NULL,          -- JSON [[question id, option count, correct option], ...]
    started_at REAL NOT NULL,
    ends_at    REAL,                   -- an exam's time limit
    ended_at   REAL
);
CREATE INDEX study_sessions_open ON study_sessions (player_id) WHERE ended_at IS NULL;

CREATE TABLE study_answers (
    session_id  INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    question_id TEXT NOT NULL,
    option      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (session_id, idx)
) WITHOUT ROWID;

-- A person's private answers counted on their player row, beside the channel totals of migration 0003, so
-- that question analytics reads each person's overall accuracy without grouping their answers.
ALTER TABLE players ADD COLUMN study_answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE players ADD COLUMN study_correct INTEGER NOT NULL DEFAULT 0;

CREATE TABLE question_reports (
    id          INTEGER PRIMARY KEY,
    player_id   INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    reported_at REAL NOT NULL
);

CREATE TABLE study_reminders (
    player_id   INTEGER PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    reminded_at REAL                   -- the last reminder sent, so that one goes out a day at most
);

CREATE TABLE study_progress (
    name     TEXT PRIMARY KEY,         -- 'memories'
    round_id INTEGER NOT NULL          -- every revealed round up to this id is folded into memories
);
INSERT INTO study_progress (name, round_id) VALUES ('memories', 0);
