using Microsoft.Data.Sqlite;
using TierFs.Index.Storage;
using TierFs.Records;

namespace TierFs.Index.Policies;

/// <summary>Runs a policy's statement on a reader connection (query_only) and streams its rows.</summary>
internal static class CandidateReader
{
    public static void Read(SqliteConnection connection, PolicyCondition condition, CandidateFilter filter, Func<FileCandidate, bool> visit)
    {
        using var command = connection.CreateCommand();
        command.CommandText = CandidateQuery.Build(condition.Where, condition.Order, filter);
        command.Parameters.AddWithValue(CandidateQuery.ChangedBefore, filter.ChangedBeforeNs);
        if (filter.Remote is not null) command.Parameters.AddWithValue(CandidateQuery.Remote, filter.Remote);
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            var candidate = new FileCandidate
            {
                EntryId = r.GetInt64(0),
                Key = new FileKey(Db.Key(r.GetInt64(1)), Db.Key(r.GetInt64(2))),
                Size = r.GetInt64(3),
                State = r.GetString(4),
                Flags = r.GetInt32(5),
                AtimeNs = r.GetInt64(6),
                MtimeNs = r.GetInt64(7),
                CtimeNs = r.GetInt64(8),
                FileId = Db.Text(r, 9),
            };
            if (!visit(candidate)) return;
        }
    }

    public static string?[] Paths(SqliteConnection connection, IReadOnlyList<long> entryIds)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT path(id) FROM entries WHERE id = $id";
        var id = command.Parameters.Add("$id", SqliteType.Integer);
        command.Prepare();
        var paths = new string?[entryIds.Count];
        for (var i = 0; i < paths.Length; i++)
        {
            id.Value = entryIds[i];
            paths[i] = command.ExecuteScalar() as string;
        }
        return paths;
    }
}
