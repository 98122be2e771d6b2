-- Several bot processes on one PostgreSQL database (bot/lease.py has the rules): each live process holds a
-- row here, renewed while it runs and deleted on a clean stop. Processes of one platform may run side by side
-- when they serve disjoint Discord shards ('0,1/4': shards 0 and 1 of 4; '' means every community).
CREATE TABLE processes (
    owner     text PRIMARY KEY,            -- host:pid:random, unique per process start
    platform  text NOT NULL,
    shards    text NOT NULL DEFAULT '',
    host      text NOT NULL,
    pid       integer NOT NULL,
    machine   text NOT NULL,               -- boot id and pid namespace: where `pid` can be checked alive
    taken_at  double precision NOT NULL,
    heartbeat double precision NOT NULL,
    expires   double precision NOT NULL    -- after this another process takes over its rounds
);
CREATE INDEX processes_by_platform ON processes (platform);

-- The process that posted a round closes and reveals it. When that process is gone (its row expired or
-- deleted), another process of the platform adopts the round (owner set to itself) and finishes it.
-- NULL: a round from before this migration, or copied from SQLite: adopted like an orphan.
ALTER TABLE rounds ADD COLUMN owner text;
CREATE INDEX rounds_unfinished_by_owner ON rounds (owner) WHERE state IN ('pending', 'open', 'closed');
