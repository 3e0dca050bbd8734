using System.Text;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Control;

public class ControlProtocolTests
{
    private static string Text(byte[] line) => Encoding.UTF8.GetString(line);

    [Fact]
    public void A_request_is_one_camel_case_json_line()
    {
        var line = Text(ControlProtocol.EncodeRequest(new ControlRequest(TierOp.Migrate, ["proj/a b", "é"], true)));
        Assert.Equal("{\"op\":\"migrate\",\"paths\":[\"proj/a b\",\"\\u00E9\"],\"recursive\":true}\n", line);
    }

    [Theory]
    [InlineData(TierOp.State)]
    [InlineData(TierOp.Archive)]
    [InlineData(TierOp.Release)]
    [InlineData(TierOp.Migrate)]
    [InlineData(TierOp.Recall)]
    public void Requests_round_trip(TierOp op)
    {
        var request = new ControlRequest(op, ["", "a/b", "名前/ファイル"], false);
        var back = ControlProtocol.DecodeRequest(Text(ControlProtocol.EncodeRequest(request)).TrimEnd('\n'));
        Assert.Equal(request.Op, back.Op);
        Assert.Equal(request.Paths, back.Paths);
        Assert.Equal(request.Recursive, back.Recursive);
    }

    [Theory]
    [InlineData(TierOp.Scan, "scan")]
    [InlineData(TierOp.PolicyList, "policy-list")]
    [InlineData(TierOp.PolicyRun, "policy-run")]
    [InlineData(TierOp.Status, "status")]
    [InlineData(TierOp.Reload, "reload")]
    public void Daemon_requests_take_no_paths_and_round_trip(TierOp op, string wire)
    {
        var request = new ControlRequest(op, [], false, Policy: "cold large", DryRun: true, Threads: 3, RetryNow: true);
        var line = Text(ControlProtocol.EncodeRequest(request));
        Assert.Contains($"\"op\":\"{wire}\"", line);
        var back = ControlProtocol.DecodeRequest(line.TrimEnd('\n'));
        Assert.True(back.IsDaemonOp);
        Assert.Equal((op, "cold large", true, 3, true), (back.Op, back.Policy, back.DryRun, back.Threads, back.RetryNow));
        Assert.False(ControlProtocol.DecodeRequest("{\"op\":\"policy-run\"}").RetryNow);
        Assert.Equal(TierOp.Status, ControlProtocol.DecodeRequest("{\"op\":\"status\"}").Op);
        Assert.Throws<ControlException>(() => ControlProtocol.DecodeRequest("{\"op\":\"scan\",\"threads\":-1}"));
    }

    [Fact]
    public void Recursive_is_optional_and_unknown_keys_are_ignored()
    {
        var r = ControlProtocol.DecodeRequest("{\"op\":\"state\",\"paths\":[\"x\"],\"future\":{\"a\":1}}");
        Assert.Equal(TierOp.State, r.Op);
        Assert.False(r.Recursive);
    }

    [Theory]
    [InlineData("not json", "malformed request")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"paths\":[\"a\"]}", "\"op\"")]
    [InlineData("{\"op\":\"explode\",\"paths\":[\"a\"]}", "unknown op \"explode\"")]
    [InlineData("{\"op\":\"Migrate\",\"paths\":[\"a\"]}", "unknown op")]
    [InlineData("{\"op\":\"state\"}", "\"paths\"")]
    [InlineData("{\"op\":\"state\",\"paths\":[]}", "empty")]
    [InlineData("{\"op\":\"state\",\"paths\":[1]}", "strings")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"a\"],\"recursive\":\"yes\"}", "recursive")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"/etc/passwd\"]}", "not relative")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"a/../../etc\"]}", "\"..\"")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"./a\"]}", "\".\"")]
    public void Malformed_requests_are_refused_with_the_reason(string line, string reason)
    {
        var e = Assert.Throws<ControlException>(() => ControlProtocol.DecodeRequest(line));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Replies_have_the_documented_shape()
    {
        Assert.Equal("{\"type\":\"progress\",\"path\":\"a\",\"done\":5,\"total\":10}\n",
            Text(ControlProtocol.EncodeMessage(new ProgressMessage("a", 5, 10))));
        Assert.Equal("{\"type\":\"result\",\"path\":\"a\",\"ok\":true,\"state\":\"released\",\"error\":null}\n",
            Text(ControlProtocol.EncodeMessage(new ResultMessage(new FileResult("a", true, "released", null)))));
        Assert.Equal("{\"type\":\"result\",\"path\":\"b\",\"ok\":false,\"state\":null,\"error\":\"no such file\"}\n",
            Text(ControlProtocol.EncodeMessage(new ResultMessage(new FileResult("b", false, null, "no such file")))));
        Assert.Equal("{\"type\":\"plan\",\"files\":3,\"bytes\":4096}\n", Text(ControlProtocol.EncodeMessage(new PlanMessage(3, 4096))));
        Assert.Equal("{\"type\":\"end\",\"failed\":2}\n", Text(ControlProtocol.EncodeMessage(new EndMessage(2))));
        Assert.Equal("{\"type\":\"error\",\"message\":\"bad\"}\n", Text(ControlProtocol.EncodeMessage(new ErrorMessage("bad"))));
    }

    public static TheoryData<ControlMessage> Messages() =>
    [
        new PlanMessage(7, 1L << 40),
        new ProgressMessage("dir/big \"quoted\".h5", 1L << 33, 1L << 34),
        new ResultMessage(new FileResult("a", true, "archived,norelease", null)),
        new ResultMessage(new FileResult("b\nnewline", false, null, "remote store unreachable")),
        new EndMessage(0),
        new ErrorMessage("the mount is shutting down"),
        new DataMessage("status", "{\"running\":null,\"jobs\":[{\"id\":1}]}"),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Replies_round_trip(ControlMessage message)
    {
        var line = Text(ControlProtocol.EncodeMessage(message));
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries)); // one line, whatever the path holds
        Assert.Equal(message, ControlProtocol.DecodeMessage(line.TrimEnd('\n')));
    }

    [Fact]
    public void A_reply_of_an_unknown_type_is_skipped()
    {
        Assert.Null(ControlProtocol.DecodeMessage("{\"type\":\"heartbeat\",\"at\":1}"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"type\":\"progress\",\"path\":\"a\",\"done\":\"x\",\"total\":1}")]
    [InlineData("{\"type\":\"result\",\"ok\":true}")]
    [InlineData("{\"type\":\"end\",\"failed\":-1}")]
    [InlineData("{\"type\":")]
    public void Malformed_replies_throw(string line)
    {
        Assert.Throws<ControlException>(() => ControlProtocol.DecodeMessage(line));
    }
}
