using System.Security.Cryptography;
using TierFs.IntegrationTests.Harness;
using TierFs.IntegrationTests.Remote;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Tiering;

/// <summary>
/// On a real mount and s3rver: a read-only open of a stub is answered once the recall serves reads,
/// and each read is answered as soon as the parts it covers have landed verified; the part a reader
/// needs goes first. A part that fails verification fails the reads that need it with EIO, the file
/// stays a stub, and nothing unverified is ever served.
/// </summary>
public sealed class StreamingRecallTests(S3ServerFixture fixture) : IClassFixture<S3ServerFixture>
{
    private const int MiB = 1024 * 1024;
    private const int Size = 160 * MiB;
    private const string Remote = "part_size: 5M\nrequest_timeout: 60s";

    private readonly S3Server _s3 = fixture.Server;

    /// <summary>
    /// Reads the last 4 KiB first and notes how many bytes of the backing file were there at that
    /// moment, then the first 4 KiB, then the whole file: "TAIL_HEX BLOCKS HEAD_HEX SHA256".
    /// </summary>
    private const string TailFirst = """
        import os, sys, hashlib
        fd = os.open(sys.argv[1], os.O_RDONLY)
        size = os.fstat(fd).st_size
        tail = os.pread(fd, 4096, size - 4096)
        blocks = os.stat(sys.argv[2]).st_blocks
        head = os.pread(fd, 4096, 0)
        h = hashlib.sha256()
        while True:
            b = os.read(fd, 1 << 20)
            if not b: break
            h.update(b)
        print(hashlib.sha256(tail).hexdigest(), blocks, hashlib.sha256(head).hexdigest(), h.hexdigest())
        """;

    [Fact]
    public void The_last_4_KiB_of_a_stub_are_read_before_its_recall_ends_and_every_byte_is_right()
    {
        using var t = S3TierMount.Start(_s3, "stream-tail/", Remote);
        var m = t.M;
        var data = Released(m, Size, seed: 81);
        Assert.Equal("released", State(m.M("big.bin")));

        var r = Proc.Run("python3", ["-c", TailFirst, m.M("big.bin"), m.B("big.bin")], TimeSpan.FromSeconds(180));
        Assert.True(r.ExitCode == 0, r.ToString());
        var words = r.Stdout.Trim().Split(' ');
        Assert.Equal(Sha(data.AsSpan(Size - 4096)), words[0]);
        Assert.Equal(Sha(data.AsSpan(0, 4096)), words[2]);
        Assert.Equal(Sha(data), words[3]);
        // When the tail was served, most of the file was not back yet: the reader did not wait for it.
        var landed = long.Parse(words[1]) * 512;
        Assert.True(landed < Size / 2, $"{landed} of {Size} bytes were in the file when its last 4 KiB were served");
        AssertStateBecomes("archived", m.M("big.bin"));
    }

    [Fact]
    public void A_second_open_while_the_recall_serves_reads_waits_for_its_parts_too_and_never_reads_a_hole()
    {
        using var t = S3TierMount.Start(_s3, "stream-second/", Remote);
        var m = t.M;
        var data = Released(m, Size, seed: 85);

        // The first open starts the recall (its tail read makes it serve reads); the second open joins
        // the recall under way, answered at once, and reads the whole file while most of it is not back.
        const string TwoOpens = """
            import os, sys, hashlib
            first = os.open(sys.argv[1], os.O_RDONLY)
            os.pread(first, 4096, os.fstat(first).st_size - 4096)
            second = os.open(sys.argv[1], os.O_RDONLY)
            blocks = os.stat(sys.argv[2]).st_blocks
            h = hashlib.sha256()
            while True:
                b = os.read(second, 1 << 20)
                if not b: break
                h.update(b)
            print(blocks, h.hexdigest())
            """;
        var r = Proc.Run("python3", ["-c", TwoOpens, m.M("big.bin"), m.B("big.bin")], TimeSpan.FromSeconds(180));
        Assert.True(r.ExitCode == 0, r.ToString());
        var words = r.Stdout.Trim().Split(' ');
        Assert.True(long.Parse(words[0]) * 512 < Size / 2, $"the recall was mostly done before the second open ({words[0]} blocks)");
        Assert.Equal(Sha(data), words[1]);
    }

    [Fact]
    public async Task Readers_at_random_offsets_during_a_recall_get_the_right_bytes()
    {
        using var t = S3TierMount.Start(_s3, "stream-random/", Remote);
        var m = t.M;
        var data = Released(m, 64 * MiB, seed: 82);

        var readers = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            var random = new Random(i);
            using var f = new FileStream(m.M("big.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            var buffer = new byte[64 * 1024];
            for (var k = 0; k < 8; k++)
            {
                var offset = random.NextInt64(0, data.Length - buffer.Length);
                var n = RandomAccess.Read(f.SafeFileHandle, buffer, offset);
                Assert.Equal(buffer.Length, n);
                Assert.True(buffer.AsSpan().SequenceEqual(data.AsSpan((int)offset, buffer.Length)), $"reader {i}: wrong bytes at {offset}");
            }
        })).ToArray();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(m.M("big.bin"))));
    }

    [Fact]
    public void A_part_that_fails_verification_fails_the_reads_that_need_it_and_the_file_stays_a_stub()
    {
        using var t = S3TierMount.Start(_s3, "stream-bent/", Remote);
        var m = t.M;
        var data = Released(m, 32 * MiB, seed: 83);
        var key = t.ObjectKeyOf("big.bin");
        var meta = t.Head(key)!.Value.Meta;
        var record = t.Record("big.bin")!.Value.GetRawText();

        // The data object's fourth part gets other bytes; its manifest (bound to the stub) is as archived.
        var bent = (byte[])data.Clone();
        bent[15 * MiB + 77] ^= 0x55;
        t.Put(key, bent, meta);

        const string ReadAt = """
            import os, sys, errno
            fd = os.open(sys.argv[1], os.O_RDONLY)
            try:
                b = os.pread(fd, 4096, int(sys.argv[2]))
                print("OK", b.hex())
            except OSError as e:
                print(errno.errorcode.get(e.errno, str(e.errno)))
            """;
        var r = Proc.Run("python3", ["-c", ReadAt, m.M("big.bin"), (15 * MiB).ToString()], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("EIO", r.Stdout.Trim());
        Assert.True(Proc.WaitUntil(() => t.Record("big.bin")!.Value.GetRawText() == record, TimeSpan.FromSeconds(30)),
            $"the stub's record is not as it was: {t.Record("big.bin")!.Value.GetRawText()}");
        Assert.Equal("released", State(m.M("big.bin")));
        Assert.Contains(m.Log.Split('\n'), l => l.Contains("big.bin") && l.Contains("recall") && l.Contains("fail"));

        // Repaired, the next open recalls it.
        t.Put(key, data, meta);
        Assert.Equal(Sha(data), Sha(File.ReadAllBytes(m.M("big.bin"))));
        AssertStateBecomes("archived", m.M("big.bin"));
    }

    [Fact]
    public void A_stub_mapped_into_memory_is_read_through_its_page_faults_while_it_is_recalled()
    {
        using var t = S3TierMount.Start(_s3, "stream-mmap/", Remote);
        var m = t.M;
        var data = Released(m, 48 * MiB, seed: 84);

        const string Mapped = """
            import mmap, os, sys, hashlib
            fd = os.open(sys.argv[1], os.O_RDONLY)
            size = os.fstat(fd).st_size
            mm = mmap.mmap(fd, size, prot=mmap.PROT_READ)
            tail = mm[size - 4096:]
            print(hashlib.sha256(tail).hexdigest(), hashlib.sha256(mm[:]).hexdigest())
            """;
        var r = Proc.Run("python3", ["-c", Mapped, m.M("big.bin")], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var words = r.Stdout.Trim().Split(' ');
        Assert.Equal(Sha(data.AsSpan(data.Length - 4096)), words[0]);
        Assert.Equal(Sha(data), words[1]);
    }

    [Fact]
    public void The_first_4_KiB_are_served_once_the_first_leaf_of_the_first_part_has_landed_verified()
    {
        // The first part's answer is held by a proxy after 1.5 MiB: its first 1 MiB leaf has come, the
        // rest of its 5 MiB has not. A read of the first 4 KiB is answered meanwhile, from that leaf
        // verified against the lead tree (before it, the read waited for the whole part).
        using var t = S3TierMount.Start(_s3, "stream-lead/", Remote);
        var m = t.M;
        var data = Released(m, 16 * MiB, seed: 86);
        using var proxy = RemountThroughHoldingProxy(t, "/stream-lead/");

        const string HeadFirst = """
            import os, sys, time, hashlib
            fd = os.open(sys.argv[1], os.O_RDONLY)
            head = os.pread(fd, 4096, 0)
            end = time.time() + 20
            while not os.path.exists(sys.argv[3]) and time.time() < end: time.sleep(0.01)
            held = os.path.exists(sys.argv[3])
            blocks = os.stat(sys.argv[2]).st_blocks
            open(sys.argv[4], 'w').close()
            h = hashlib.sha256()
            while True:
                b = os.read(fd, 1 << 20)
                if not b: break
                h.update(b)
            print(hashlib.sha256(head).hexdigest(), held, blocks, h.hexdigest())
            """;
        var r = Proc.Run("python3", ["-c", HeadFirst, m.M("big.bin"), m.B("big.bin"), proxy.HoldingFile, proxy.ReleaseFile], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var words = r.Stdout.Trim().Split(' ');
        Assert.Equal(Sha(data.AsSpan(0, 4096)), words[0]);
        Assert.Equal("True", words[1]); // the proxy held the first part
        var landed = long.Parse(words[2]) * 512;
        Assert.True(landed < 5 * MiB, $"{landed} bytes were in the file once the first 4 KiB were served and the first part was held: the read waited for the part");
        Assert.Equal(Sha(data), words[3]);
        AssertStateBecomes("archived", m.M("big.bin"));
    }

    [Fact]
    public void A_stat_while_the_recall_writes_the_data_shows_the_files_own_mtime_and_so_does_the_kernels_cache_after_it()
    {
        // The recall's writes move the backing mtime until it puts the recorded one back at its end.
        // A stat meanwhile showed the moving one, and the kernel cached it: after a recall that failed,
        // the stub kept showing an mtime of the recall's (a flake of S3RecallIntegrityTests, 2026-12-03).
        // attr_timeout=0: every stat below asks the daemon.
        using var t = S3TierMount.Start(_s3, "stream-mtime/", Remote, "", "-o", "attr_timeout=0");
        var m = t.M;
        var data = Released(m, 16 * MiB, seed: 87);
        var before = Px.Stat(m.M("big.bin"));
        using var proxy = RemountThroughHoldingProxy(t, "/stream-mtime/");

        // Prints the mtime (ns) through the mount and of the backing file while the first part is held,
        // then through the mount after the whole file was read.
        const string StatWhileHeld = """
            import os, sys, time
            fd = os.open(sys.argv[1], os.O_RDONLY)
            os.pread(fd, 4096, 0)
            end = time.time() + 20
            while not os.path.exists(sys.argv[3]) and time.time() < end: time.sleep(0.01)
            held = os.path.exists(sys.argv[3])
            during, backing = os.stat(sys.argv[1]).st_mtime_ns, os.stat(sys.argv[2]).st_mtime_ns
            fstat = os.fstat(fd).st_mtime_ns
            open(sys.argv[4], 'w').close()
            while os.read(fd, 1 << 20): pass
            print(held, during, fstat, backing, os.stat(sys.argv[1]).st_mtime_ns)
            """;
        var r = Proc.Run("python3", ["-c", StatWhileHeld, m.M("big.bin"), m.B("big.bin"), proxy.HoldingFile, proxy.ReleaseFile], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        var w = r.Stdout.Trim().Split(' ');
        Assert.Equal("True", w[0]); // the proxy held the first part
        var own = before.Mtime.Sec * 1_000_000_000 + before.Mtime.Nsec;
        Assert.NotEqual(own, long.Parse(w[3])); // the recall's writes did move the backing mtime: the stat had something to hide
        Assert.Equal((own, own, own), (long.Parse(w[1]), long.Parse(w[2]), long.Parse(w[4])));
        AssertStateBecomes("archived", m.M("big.bin"));
        Assert.Equal(data, File.ReadAllBytes(m.M("big.bin")));
    }

    /// <summary>The mount again, its remote reached through a proxy that holds the first part's answer after 1.5 MiB.</summary>
    private HoldingProxy RemountThroughHoldingProxy(S3TierMount t, string prefix)
    {
        var proxy = new HoldingProxy(_s3.Port, prefix, (int)(1.5 * MiB));
        try
        {
            t.RemountWithEndpoint(proxy.Endpoint);
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    /// <summary>big.bin of <paramref name="size"/> random bytes, migrated: a stub.</summary>
    private static byte[] Released(TestMount m, int size, int seed)
    {
        var data = Content(size, seed);
        File.WriteAllBytes(m.M("big.bin"), data);
        Migrate(m.M("big.bin"));
        return data;
    }

    private static string Sha(ReadOnlySpan<byte> data) => Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
}
