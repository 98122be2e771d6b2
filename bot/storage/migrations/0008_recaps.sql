-- Weekly recaps: one row per channel and ISO week once its recap is claimed, so a recap is posted once per
-- week per channel across restarts and two processes. The index finds a channel's rounds of one week (the
-- question most people missed) without reading the channel's whole history.
CREATE TABLE recaps (
    channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    week       TEXT NOT NULL,        -- 'week:2026-W48'
    claimed_at REAL NOT NULL,
    PRIMARY KEY (channel_id, week)
) WITHOUT ROWID;
CREATE INDEX rounds_by_channel_posted ON rounds (channel_id, posted_at);
