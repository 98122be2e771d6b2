-- One bot per platform on a database: the process running a platform's bot holds its row, renews the
-- heartbeat while it runs and deletes the row on a clean stop. A crashed process's row stays until it
-- expires; another process may then take it (bot/lease.py holds the rules, bot/storage/lease.py the SQL).
CREATE TABLE leases (
    platform  TEXT PRIMARY KEY,        -- 'discord', 'slack', 'console'
    owner     TEXT NOT NULL,           -- host:pid:random, unique per process start
    host      TEXT NOT NULL,           -- for people: which machine or container holds it
    pid       INTEGER NOT NULL,
    machine   TEXT NOT NULL,           -- boot id and pid namespace: where `pid` can be checked alive
    taken_at  REAL NOT NULL,           -- unix time
    heartbeat REAL NOT NULL,           -- unix time of the last renewal
    expires   REAL NOT NULL            -- unix time after which another process may take it
);
