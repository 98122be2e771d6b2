-- The all-time board lists the players who have answered (answered > 0), most points first. Its index held
-- every player, so the board of a community whose players were not yet scored (its first rounds still open,
-- the writer storing their answers) walked past all of them to find none: about 1 ms for 20,000 players, near
-- 2 ms during a burst of answers. The index now holds only players with a scored answer; the all-time arm of
-- score_rows (a player's rank) reads it too. Same rows, same order: only the index changes.
DROP INDEX players_board_all;
CREATE INDEX players_board_all ON players (community_id, points DESC, id) WHERE answered > 0;
