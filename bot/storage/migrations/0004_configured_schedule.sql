-- The console's configured schedule (quizbot run --cron, or QUIZBOT_SCHEDULE with QUIZBOT_TIMEZONE) is marked,
-- so each start replaces it when its configuration changed (and removes it when none is given) instead of
-- adding another. Schedules added with a schedule command keep 0 and are never touched by a start.
ALTER TABLE schedules ADD COLUMN configured INTEGER NOT NULL DEFAULT 0;
