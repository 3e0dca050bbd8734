using TierFs.Records;
namespace TierFs.Index.Schema;

/// <summary>
/// Every schema version, in order. Never edit a shipped step: add the next one.
/// Version 2 (the scanner's full index) adds the <c>entries</c> table, one row per file and
/// directory (id, parent, name, type, dev, ino, stat fields), with a <c>files</c> view that joins
/// it to <c>tier</c> on (dev, ino) and gives each row its path; <c>tier</c> stays keyed by inode so
/// hard links share their tier data and a rename touches no tier row.
/// </summary>
internal static class Migrations
{
    /// <summary>Marks the file as a TierFs index (PRAGMA application_id): "TiFs".</summary>
    public const int ApplicationId = 0x54694673;

    public static readonly IReadOnlyList<Migration> All =
    [
        Migration.Sql(1, "tier records, pending remote deletions, operation log", V1),
        Migration.Sql(2, "the namespace: entries, the files view, scan history", V2),
        Migration.Sql(3, "policy predicates: entries by size", V3),
        Migration.Sql(4, "the daemon: job history, files to retry", V4),
        Migration.Sql(5, "entries by inode: the inode number first", V5),
        Migration.Sql(6, "remote identity of records and deletions, records by object key, stubs changed behind the mount", V6),
        Migration.Sql(7, "tier records: the CRC32C and BLAKE3 composites", V7),
        Migration.Sql(8, "the operation log kept on both nodes: each entry's origin and sequence", V8),
        Migration.Sql(9, "the daemon's job store: retries by file id, claims with a lease, job owners", V9),
        Migration.Sql(10, "every recall accounted for: the recalls table", V10),
        Migration.Sql(11, "metadata sync: what changed in the namespace since the last publication", V11),
        Migration.Sql(12, "verify runs, their differences, alarms", V12),
    ];

    public static int Latest => All[^1].Version;

    // Columns hold what the stub record holds; 0 (never, none) rather than NULL costs no bytes
    // either way in SQLite's record format. States are checked by the API, not by a CHECK
    // constraint: one bad row must not fail the whole batch it is committed in.
    private const string V1 = """
        CREATE TABLE tier (
            dev          INTEGER NOT NULL,
            ino          INTEGER NOT NULL,
            file_id      TEXT    NOT NULL,
            state        TEXT    NOT NULL,
            dirty        INTEGER NOT NULL DEFAULT 0,
            flags        INTEGER NOT NULL DEFAULT 0,
            object_key   TEXT,
            generation   INTEGER NOT NULL DEFAULT 0,
            checksum     TEXT,
            part_size    INTEGER NOT NULL DEFAULT 0,
            size         INTEGER NOT NULL DEFAULT 0,
            mtime_ns     INTEGER NOT NULL DEFAULT 0,
            atime_ns     INTEGER NOT NULL DEFAULT 0,
            ctime_ns     INTEGER NOT NULL DEFAULT 0,
            pair         TEXT,
            archived_at  INTEGER NOT NULL DEFAULT 0,
            released_at  INTEGER NOT NULL DEFAULT 0,
            recalled_at  INTEGER NOT NULL DEFAULT 0,
            path         TEXT,
            PRIMARY KEY (dev, ino)
        ) WITHOUT ROWID;
        CREATE INDEX tier_file_id ON tier(file_id);
        CREATE INDEX tier_state ON tier(state);

        CREATE TABLE pending_deletes (
            object_key   TEXT    NOT NULL PRIMARY KEY,
            due          INTEGER NOT NULL,
            reason       TEXT    NOT NULL,
            file_id      TEXT,
            attempts     INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT
        ) WITHOUT ROWID;
        CREATE INDEX pending_deletes_due ON pending_deletes(due);

        -- AUTOINCREMENT: ids are never reused, so a peer that has seen id N has seen all before it.
        CREATE TABLE oplog (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            at           INTEGER NOT NULL,
            op           TEXT    NOT NULL,
            path         TEXT,
            file_id      TEXT,
            bytes        INTEGER NOT NULL DEFAULT 0,
            duration_ms  INTEGER NOT NULL DEFAULT 0,
            ok           INTEGER NOT NULL,
            error        TEXT
        );
        """;

    // A row holds its parent's id and its own name, never its path: renaming a directory rewrites
    // one row, and the path is computed on demand (the path() function, registered on every
    // connection). Times are ns (statx's resolution). UNIQUE(parent_id, name) doubles as the index
    // that lists a directory; (dev, ino) finds an inode's names (renames, hard links, tier rows).
    // The view derives "dirty" as StubRecord.StateFor does, and "resident" when there is no record.
    private const string V2 = """
        CREATE TABLE entries (
            id           INTEGER PRIMARY KEY,
            parent_id    INTEGER NOT NULL,
            name         TEXT    NOT NULL,
            type         TEXT    NOT NULL,
            dev          INTEGER NOT NULL,
            ino          INTEGER NOT NULL,
            nlink        INTEGER NOT NULL,
            mode         INTEGER NOT NULL,
            uid          INTEGER NOT NULL,
            gid          INTEGER NOT NULL,
            size         INTEGER NOT NULL,
            blocks       INTEGER NOT NULL,
            atime        INTEGER NOT NULL,
            mtime        INTEGER NOT NULL,
            ctime        INTEGER NOT NULL,
            target       TEXT,
            scan         INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX entries_parent_name ON entries(parent_id, name);
        CREATE INDEX entries_inode ON entries(dev, ino);

        CREATE TABLE scans (
            gen          INTEGER PRIMARY KEY,
            started      INTEGER NOT NULL,
            finished     INTEGER NOT NULL,
            entries      INTEGER NOT NULL,
            new          INTEGER NOT NULL,
            changed      INTEGER NOT NULL,
            deleted      INTEGER NOT NULL,
            renamed      INTEGER NOT NULL,
            errors       INTEGER NOT NULL
        );

        CREATE VIEW files AS
        SELECT
            path(e.parent_id, e.name) AS path,
            e.name, e.type, e.ino AS inode, e.dev, e.nlink, e.size, e.blocks, e.mode, e.uid, e.gid,
            e.atime, e.mtime, e.ctime, e.target, e.id, e.parent_id, e.scan,
            CASE
                WHEN t.state IS NULL OR t.state = 'none' THEN 'resident'
                WHEN t.state = 'archived' AND (t.dirty OR t.size <> e.size OR t.mtime_ns <> e.mtime) THEN 'dirty'
                ELSE t.state
            END AS state,
            coalesce(t.flags, 0) AS flags, t.pair, t.object_key, t.file_id, t.generation, t.checksum,
            t.archived_at, t.released_at, t.recalled_at
        FROM entries e
        LEFT JOIN tier t ON e.type = 'f' AND t.dev = e.dev AND t.ino = e.ino
        WHERE e.parent_id >= 0;
        """;

    // Policies select by size ("size >= 1G", and the default order size DESC), which this index
    // serves without a scan or a sort. Time predicates ("atime < now() - days(30)") match most of
    // a tree, so an index on a time column would be read in full anyway: none (measured in
    // integration/bench/indexbench). Costs ~15 bytes per row.
    private const string V3 = """
        CREATE INDEX entries_size ON entries(size);
        """;

    // One row per policy (or usage release) per daemon run; times are unix ms. A failed file is
    // retried after a growing delay, a bounded number of times, or at once if its data changed
    // (mtime differs from the one that failed).
    private const string V4 = """
        CREATE TABLE jobs (
            id           INTEGER PRIMARY KEY,
            run          INTEGER NOT NULL,
            kind         TEXT    NOT NULL,
            policy       TEXT,
            action       TEXT    NOT NULL,
            started      INTEGER NOT NULL,
            finished     INTEGER NOT NULL DEFAULT 0,
            planned      INTEGER NOT NULL DEFAULT 0,
            files        INTEGER NOT NULL DEFAULT 0,
            bytes        INTEGER NOT NULL DEFAULT 0,
            skipped      INTEGER NOT NULL DEFAULT 0,
            failed       INTEGER NOT NULL DEFAULT 0,
            status       TEXT    NOT NULL
        );

        CREATE TABLE retries (
            dev          INTEGER NOT NULL,
            ino          INTEGER NOT NULL,
            mtime        INTEGER NOT NULL,
            attempts     INTEGER NOT NULL,
            next_try     INTEGER NOT NULL,
            last_error   TEXT,
            PRIMARY KEY (dev, ino)
        ) WITHOUT ROWID;
        """;

    // The same lookups (dev = ? AND ino = ?), the columns swapped: dev is the same on nearly
    // every row, so with it first every comparison of a sort or a search fell through to the
    // second column. A first scan builds this index with one sort: 0.08 s against 0.035 s per
    // 200,000 rows (measured with sqlite3 on a scanned index).
    private const string V5 = """
        DROP INDEX IF EXISTS entries_inode;
        CREATE INDEX entries_inode ON entries(ino, dev);
        """;

    // Trust: a record names the remote tier it was archived to, and so does a queued deletion
    // (a mount deletes only on its own remote); the delete pass looks up whether any record still
    // references an object (through tier_file_id: an object's key derives from its file's id); a released stub whose size or mtime is no
    // longer the recorded one was changed behind the mount ('mismatch', as StubRecord.StateFor),
    // unless a recall of ours was interrupted (recalling).
    private const string V6 = """
        ALTER TABLE tier ADD COLUMN remote TEXT;
        ALTER TABLE tier ADD COLUMN etag TEXT;
        ALTER TABLE tier ADD COLUMN recalling INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE pending_deletes ADD COLUMN remote TEXT;

        DROP VIEW files;
        CREATE VIEW files AS
        SELECT
            path(e.parent_id, e.name) AS path,
            e.name, e.type, e.ino AS inode, e.dev, e.nlink, e.size, e.blocks, e.mode, e.uid, e.gid,
            e.atime, e.mtime, e.ctime, e.target, e.id, e.parent_id, e.scan,
            CASE
                WHEN t.state IS NULL OR t.state = 'none' THEN 'resident'
                WHEN t.state = 'released' AND NOT t.recalling AND (t.size <> e.size OR t.mtime_ns <> e.mtime) THEN 'mismatch'
                WHEN t.state = 'archived' AND (t.dirty OR t.size <> e.size OR t.mtime_ns <> e.mtime) THEN 'dirty'
                ELSE t.state
            END AS state,
            coalesce(t.flags, 0) AS flags, t.pair, t.object_key, t.file_id, t.generation, t.checksum,
            t.archived_at, t.released_at, t.recalled_at, t.remote
        FROM entries e
        LEFT JOIN tier t ON e.type = 'f' AND t.dev = e.dev AND t.ino = e.ino
        WHERE e.parent_id >= 0;
        """;

    // The index is a cache of the stub records: a record reloaded from it (at mount) must carry the
    // digest a recall verifies, and the CRC, as the xattr does. NULL for records that lack them
    // (archived before they existed) and in rows written before this step, until the record is
    // written again (a recall reads the xattr itself, never the index's copy).
    private const string V7 = """
        ALTER TABLE tier ADD COLUMN crc32c TEXT;
        ALTER TABLE tier ADD COLUMN blake3 TEXT;
        """;

    // Each node appends its own entries under its name with a sequence number of its own; a peer's
    // entries are stored with theirs, at most once ((origin, seq) is unique, and its index finds a
    // node's next number). Entries written before this step have origin '' (seq = id) until the
    // mount adopts them under its node's name.
    private const string V8 = """
        ALTER TABLE oplog ADD COLUMN origin TEXT NOT NULL DEFAULT '';
        ALTER TABLE oplog ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
        UPDATE oplog SET seq = id;
        CREATE UNIQUE INDEX oplog_origin_seq ON oplog(origin, seq);
        """;

    // The job store (the daemon's IJobStore): a file is named by its record's file id (it survives
    // renames and a restore's new dev/ino), a never-archived file by 'inode:DEV:INO' (JobFileId;
    // the numbers as stored here, signed). Retries written before are re-keyed so: by the file id
    // of the inode's tier row when it has one. A claim says which job of which owner (node and
    // process) moves a file, until when (unix ms) unless renewed; a job carries its owner and the
    // same lease, so a job whose daemon died is found (expired) and its files handed back. Run
    // numbers come from the index too: runs holds the last one given (its number, start, owner).
    private const string V9 = """
        CREATE TABLE retries_by_file (
            file         TEXT    NOT NULL PRIMARY KEY,
            mtime        INTEGER NOT NULL,
            attempts     INTEGER NOT NULL,
            next_try     INTEGER NOT NULL,
            last_error   TEXT
        ) WITHOUT ROWID;
        INSERT OR REPLACE INTO retries_by_file (file, mtime, attempts, next_try, last_error)
        SELECT coalesce((SELECT t.file_id FROM tier t WHERE t.dev = r.dev AND t.ino = r.ino AND t.file_id <> ''),
                        'inode:' || r.dev || ':' || r.ino),
               r.mtime, r.attempts, r.next_try, r.last_error
        FROM retries r;
        DROP TABLE retries;
        ALTER TABLE retries_by_file RENAME TO retries;

        CREATE TABLE claims (
            file         TEXT    NOT NULL PRIMARY KEY,
            job          INTEGER NOT NULL,
            owner        TEXT    NOT NULL,
            expires      INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX claims_job ON claims(job);

        ALTER TABLE jobs ADD COLUMN owner TEXT;
        ALTER TABLE jobs ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE runs (
            id           INTEGER PRIMARY KEY,
            started      INTEGER NOT NULL,
            owner        TEXT    NOT NULL
        );
        """;

    // One row per recall (openers sharing one recall: one row, the first one's cause), written when
    // it ends: the file (its id, and its path when the recall knew it), who caused it and how, when
    // it was asked for and when it ended (unix ms), the bytes that landed, ok or failed and why.
    // `tierfs report` sums it by user and command over a period: the index on started serves that.
    private const string V10 = """
        CREATE TABLE recalls (
            id           INTEGER PRIMARY KEY,
            file_id      TEXT,
            path         TEXT,
            trigger      TEXT    NOT NULL,
            pid          INTEGER NOT NULL,
            uid          INTEGER NOT NULL,
            gid          INTEGER NOT NULL,
            command      TEXT    NOT NULL,
            started      INTEGER NOT NULL,
            ended        INTEGER NOT NULL,
            bytes        INTEGER NOT NULL,
            result       TEXT    NOT NULL,
            error        TEXT
        );
        CREATE INDEX recalls_started ON recalls(started);
        """;

    // Metadata sync (east -> west): after the first publication of a pair's namespace, every change
    // to an entry or a tier row is noted here by triggers, whatever wrote it (the live keeper, a scan,
    // the engine), so that the next sync sends only what changed: a renamed directory is one noted row
    // (its own), an unlink one. The triggers note nothing until a pair has published once (no
    // meta_sync row): a mount without a pair pays one lookup of an empty table per write. AUTOINCREMENT:
    // the sync's cursor is a seq, and a seq must never be handed out twice, even after the table was
    // emptied by pruning. Blocks and the scan generation are not published, so changing only them notes nothing.
    private const string V11 = """
        CREATE TABLE meta_sync (
            pair         TEXT    NOT NULL PRIMARY KEY,
            generation   INTEGER NOT NULL DEFAULT 0,
            cursor       INTEGER NOT NULL DEFAULT 0,
            snapshot     INTEGER NOT NULL DEFAULT 0,
            chain        INTEGER NOT NULL DEFAULT 0,
            last_key     TEXT,
            published_at INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        CREATE TABLE ns_changes (
            seq          INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id     INTEGER,
            dev          INTEGER,
            ino          INTEGER
        );

        CREATE TRIGGER ns_entry_insert AFTER INSERT ON entries WHEN EXISTS (SELECT 1 FROM meta_sync)
        BEGIN INSERT INTO ns_changes (entry_id) VALUES (new.id); END;
        CREATE TRIGGER ns_entry_update AFTER UPDATE ON entries WHEN EXISTS (SELECT 1 FROM meta_sync) AND (old.parent_id IS NOT new.parent_id OR old.name IS NOT new.name OR old.type IS NOT new.type OR old.dev IS NOT new.dev OR old.ino IS NOT new.ino OR old.nlink IS NOT new.nlink OR old.mode IS NOT new.mode OR old.uid IS NOT new.uid OR old.gid IS NOT new.gid OR old.size IS NOT new.size OR old.atime IS NOT new.atime OR old.mtime IS NOT new.mtime OR old.ctime IS NOT new.ctime OR old.target IS NOT new.target)
        BEGIN INSERT INTO ns_changes (entry_id) VALUES (new.id); END;
        CREATE TRIGGER ns_entry_delete AFTER DELETE ON entries WHEN EXISTS (SELECT 1 FROM meta_sync)
        BEGIN INSERT INTO ns_changes (entry_id) VALUES (old.id); END;
        CREATE TRIGGER ns_tier_insert AFTER INSERT ON tier WHEN EXISTS (SELECT 1 FROM meta_sync)
        BEGIN INSERT INTO ns_changes (dev, ino) VALUES (new.dev, new.ino); END;
        CREATE TRIGGER ns_tier_update AFTER UPDATE ON tier WHEN EXISTS (SELECT 1 FROM meta_sync)
        BEGIN INSERT INTO ns_changes (dev, ino) VALUES (new.dev, new.ino); END;
        CREATE TRIGGER ns_tier_delete AFTER DELETE ON tier WHEN EXISTS (SELECT 1 FROM meta_sync)
        BEGIN INSERT INTO ns_changes (dev, ino) VALUES (old.dev, old.ino); END;
        """;

    // `tierfs verify` and the daemon's scheduled verify: one row per run (times unix ms, counts per
    // kind of difference), its differences, and the alarms a run with differences raises (open
    // until acknowledged). Kept as history: nothing here is a cache of the tree.
    private const string V12 = """
        CREATE TABLE verify_runs (
            id           INTEGER PRIMARY KEY,
            started      INTEGER NOT NULL,
            finished     INTEGER NOT NULL DEFAULT 0,
            level        TEXT    NOT NULL,
            trigger      TEXT    NOT NULL,
            scope        TEXT,
            repair       INTEGER NOT NULL DEFAULT 0,
            files        INTEGER NOT NULL DEFAULT 0,
            objects      INTEGER NOT NULL DEFAULT 0,
            bytes        INTEGER NOT NULL DEFAULT 0,
            missing      INTEGER NOT NULL DEFAULT 0,
            size_differs INTEGER NOT NULL DEFAULT 0,
            checksum_differs INTEGER NOT NULL DEFAULT 0,
            orphans      INTEGER NOT NULL DEFAULT 0,
            record_index INTEGER NOT NULL DEFAULT 0,
            foreign_records INTEGER NOT NULL DEFAULT 0,
            errors       INTEGER NOT NULL DEFAULT 0,
            repaired     INTEGER NOT NULL DEFAULT 0,
            status       TEXT    NOT NULL,
            message      TEXT
        );

        CREATE TABLE verify_diffs (
            run          INTEGER NOT NULL,
            seq          INTEGER NOT NULL,
            kind         TEXT    NOT NULL,
            path         TEXT,
            object_key   TEXT,
            detail       TEXT    NOT NULL,
            repair       TEXT,
            PRIMARY KEY (run, seq)
        ) WITHOUT ROWID;

        CREATE TABLE alarms (
            id           INTEGER PRIMARY KEY,
            raised       INTEGER NOT NULL,
            source       TEXT    NOT NULL,
            run          INTEGER,
            message      TEXT    NOT NULL,
            acked        INTEGER NOT NULL DEFAULT 0,
            acked_by     TEXT
        );
        CREATE INDEX alarms_open ON alarms(acked);
        """;
}
