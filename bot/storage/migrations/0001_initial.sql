-- quizbot schema, version 1.
CREATE TABLE communities (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, external_id)
);

CREATE TABLE channels (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    config       TEXT NOT NULL DEFAULT '{}',
    UNIQUE (community_id, external_id)
);

CREATE TABLE players (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    streak       INTEGER NOT NULL DEFAULT 0,
    best_streak  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (community_id, external_id)
);

CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    cron          TEXT NOT NULL,
    timezone      TEXT NOT NULL,
    window        INTEGER,
    paused        INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    last_fired_at REAL
);
CREATE INDEX schedules_by_time ON schedules (cron, timezone);

CREATE TABLE rounds (
    id          INTEGER PRIMARY KEY,
    channel_id  INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    schedule_id INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    question_id TEXT NOT NULL,
    question    TEXT NOT NULL,            -- JSON snapshot: a bank reload never changes an open round
    stage       TEXT NOT NULL,
    services    TEXT NOT NULL DEFAULT '[]',
    difficulty  TEXT NOT NULL,
    window      INTEGER NOT NULL,
    allow_changes INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL CHECK (state IN ('pending', 'open', 'closed', 'revealed', 'failed')),
    message_ref TEXT,
    created_at  REAL NOT NULL,
    posted_at   REAL,
    closed_at   REAL,
    error       TEXT
);
CREATE INDEX rounds_by_channel ON rounds (channel_id, question_id);
CREATE INDEX rounds_by_state ON rounds (state) WHERE state IN ('pending', 'open', 'closed');

CREATE TABLE answers (
    round_id    INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    player_id   INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    option      INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    correct     INTEGER,
    points      INTEGER,
    PRIMARY KEY (round_id, player_id)
) WITHOUT ROWID;
CREATE INDEX answers_by_player ON answers (player_id);

-- Maintained totals: one row per community, period bucket and player, so boards never scan answers.
CREATE TABLE scores (
    community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    period       TEXT NOT NULL,           -- 'all', 'week:2026-W48', 'month:2026-11', 'competition:7'
    player_id    INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    points       INTEGER NOT NULL DEFAULT 0,
    correct      INTEGER NOT NULL DEFAULT 0,
    answered     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (community_id, period, player_id)
) WITHOUT ROWID;
CREATE INDEX scores_board ON scores (community_id, period, points DESC, player_id);

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    name         TEXT NOT NULL COLLATE NOCASE,
    role_ref     TEXT,
    UNIQUE (community_id, name)
);

CREATE TABLE team_members (
    player_id INTEGER PRIMARY KEY REFERENCES players (id) ON DELETE CASCADE,
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE INDEX team_members_by_team ON team_members (team_id);

CREATE TABLE competitions (
    id           INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    channel_id   INTEGER REFERENCES channels (id) ON DELETE SET NULL,
    name         TEXT NOT NULL COLLATE NOCASE,
    starts_at    REAL NOT NULL,
    ends_at      REAL NOT NULL,
    finished_at  REAL,
    UNIQUE (community_id, name)
);
