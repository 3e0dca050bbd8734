using System.Text;
using TierFs.Tiering.Control;

namespace TierFs.Tests.Ops;

public class OpsProtocolTests
{
    private static ControlRequest RoundTrip(ControlRequest request) =>
        ControlProtocol.DecodeRequest(Encoding.UTF8.GetString(ControlProtocol.EncodeRequest(request)).TrimEnd('\n'));

    [Fact]
    public void Verify_and_alarms_requests_round_trip()
    {
        var verify = RoundTrip(new ControlRequest(TierOp.Verify, ["proj", "a/b.bin"], false, DryRun: true, Level: VerifyLevel.Data, Repair: true));
        Assert.Equal((TierOp.Verify, VerifyLevel.Data, true, true), (verify.Op, verify.Level, verify.Repair, verify.DryRun));
        Assert.Equal(["proj", "a/b.bin"], verify.Paths);
        var all = RoundTrip(new ControlRequest(TierOp.Verify, [], false, Level: VerifyLevel.Meta));
        Assert.Equal((VerifyLevel.Meta, 0), (all.Level, all.Paths.Count));
        var ack = RoundTrip(new ControlRequest(TierOp.Alarms, [], false, Ack: 42));
        Assert.Equal((TierOp.Alarms, 42L), (ack.Op, ack.Ack));
        Assert.True(ack.IsDaemonOp);
    }

    [Theory]
    [InlineData("{\"op\":\"verify\",\"level\":\"bytes\"}", "unknown verify level \"bytes\"")]
    [InlineData("{\"op\":\"migrate\",\"paths\":[\"a\"],\"repair\":true}", "only verify repairs")]
    [InlineData("{\"op\":\"alarms\",\"ack\":-3}", "\"ack\" must be an alarm id")]
    [InlineData("{\"op\":\"verify\",\"paths\":[\"../etc\"]}", "has a \".\" or \"..\" component")]
    public void Bad_requests_are_refused(string line, string expected) =>
        Assert.Contains(expected, Assert.Throws<ControlException>(() => ControlProtocol.DecodeRequest(line)).Message);

    [Fact]
    public void Users_may_neither_verify_nor_read_alarms()
    {
        var user = new Caller(1, 1000, 1000, []);
        Assert.Contains("only root may verify", CallerGate.Refusal(new ControlRequest(TierOp.Verify, [], false), user));
        Assert.Contains("only root may alarms", CallerGate.Refusal(new ControlRequest(TierOp.Alarms, [], false), user));
    }
}
