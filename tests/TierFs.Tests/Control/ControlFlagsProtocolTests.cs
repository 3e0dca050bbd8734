using System.Text;
using TierFs.Tiering.Control;
using TierFs.Records;

namespace TierFs.Tests.Control;

public class ControlFlagsProtocolTests
{
    [Fact]
    public void Flags_round_trip_with_the_state_op()
    {
        var request = new ControlRequest(TierOp.State, ["a/b"], false, TierFlags.NoRelease, TierFlags.NoArchive);
        var line = Encoding.UTF8.GetString(ControlProtocol.EncodeRequest(request)).TrimEnd('\n');
        Assert.Contains("\"set\":[\"norelease\"]", line);
        var decoded = ControlProtocol.DecodeRequest(line);
        Assert.Equal((TierFlags.NoRelease, TierFlags.NoArchive), (decoded.SetFlags, decoded.ClearFlags));
    }

    [Theory]
    [InlineData("{\"op\":\"migrate\",\"paths\":[\"a\"],\"set\":[\"norelease\"]}", "flags are set with the state op only")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"a\"],\"set\":[\"sticky\"]}", "unknown flag \"sticky\"")]
    [InlineData("{\"op\":\"state\",\"paths\":[\"a\"],\"clear\":\"norelease\"}", "\"clear\" must be a list")]
    public void Bad_flags_are_refused(string line, string expected) =>
        Assert.Contains(expected, Assert.Throws<ControlException>(() => ControlProtocol.DecodeRequest(line)).Message);
}
