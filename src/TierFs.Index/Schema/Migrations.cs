namespace TierFs.Index.Schema;

/// <summary>
/// Every schema version, in order. Never edit a shipped step: add the next one.
/// Version 2 (the scanner's full index) is planned as an <c>entries</c> table, one row per file and
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
}
