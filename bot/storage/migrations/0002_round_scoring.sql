-- Each round keeps the scoring rules it was posted with, so a settings change (or a restart) while it is
-- open never changes how it is scored. NULL (rounds from before this migration): the channel's settings.
ALTER TABLE rounds ADD COLUMN scoring TEXT;
