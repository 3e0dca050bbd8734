using System.Collections.Concurrent;
using System.Diagnostics;
using TierFs.IntegrationTests.Harness;
using Xunit.Abstractions;
using static TierFs.IntegrationTests.Tiering.TierHarness;

namespace TierFs.IntegrationTests.Trust;

/// <summary>
/// Handles of every mode at once, on files that are migrated (archived and released) and recalled
/// under them: readers the kernel serves (passthrough) with writers joining them, writers through
/// the daemon with readers joining them, plain readers, and stubs opened while a release runs. An
/// open the kernel refuses for its mode fails with EIO, so every open must succeed; and every read
/// returns the last bytes written.
/// </summary>
public sealed class PassthroughStressTests(ITestOutputHelper output)
{
    private const int Files = 6;
    private const int Size = 1_300_000; // above the size below which files are not passed through
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(8);

    [Fact]
    public void Opens_of_every_mode_with_writes_migrations_and_recalls_under_them_never_fail_nor_read_stale_bytes()
    {
        using var m = TestMount.Start();
        var model = new byte[Files][];
        var locks = new object[Files];
        for (var i = 0; i < Files; i++)
        {
            model[i] = Content(Size, seed: 100 + i);
            locks[i] = new object();
            File.WriteAllBytes(m.M($"f{i}"), model[i]);
        }
        var failures = new ConcurrentQueue<string>();
        var counts = new ConcurrentDictionary<string, int>();
        var end = Stopwatch.StartNew();

        void Check(int file, byte[] back, string when)
        {
            if (!back.AsSpan().SequenceEqual(model[file])) failures.Enqueue($"f{file}: {when}: read {back.Length} bytes that differ from the model");
        }

        void Write(int fd, int file, Random rnd)
        {
            var block = new byte[rnd.Next(1, 8192)];
            rnd.NextBytes(block);
            var at = rnd.Next(0, Size - block.Length);
            Px.PWrite(fd, block, at);
            block.CopyTo(model[file], at);
        }

        void Worker(int seed)
        {
            var rnd = new Random(seed);
            while (end.Elapsed < Duration && failures.IsEmpty)
            {
                var file = rnd.Next(Files);
                var path = m.M($"f{file}");
                var scenario = rnd.Next(3);
                lock (locks[file])
                {
                    try
                    {
                        switch (scenario)
                        {
                            case 0: // a reader first (the kernel's when the file is whole), then a writer joins it
                            {
                                var r = Px.Open(path, Px.O_RDONLY);
                                try
                                {
                                    Check(file, Px.PRead(r, Size, 0), "reader before a writer");
                                    var w = Px.Open(path, Px.O_RDWR);
                                    try { Write(w, file, rnd); }
                                    finally { Px.Close(w); }
                                    Check(file, Px.PRead(r, Size, 0), "reader after a joined writer");
                                }
                                finally { Px.Close(r); }
                                break;
                            }
                            case 1: // a writer first (the daemon's), then a reader joins it
                            {
                                var w = Px.Open(path, Px.O_WRONLY);
                                try
                                {
                                    Write(w, file, rnd);
                                    var r = Px.Open(path, Px.O_RDONLY);
                                    try { Check(file, Px.PRead(r, Size, 0), "reader joining a writer"); }
                                    finally { Px.Close(r); }
                                }
                                finally { Px.Close(w); }
                                break;
                            }
                            default: // two readers
                            {
                                var a = Px.Open(path, Px.O_RDONLY);
                                try
                                {
                                    var b = Px.Open(path, Px.O_RDONLY);
                                    try { Check(file, Px.PRead(b, Size, 0), "second reader"); }
                                    finally { Px.Close(b); }
                                    Check(file, Px.PRead(a, Size, 0), "first reader");
                                }
                                finally { Px.Close(a); }
                                break;
                            }
                        }
                        counts.AddOrUpdate($"scenario {scenario}", 1, (_, n) => n + 1);
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"f{file} scenario {scenario}: {e.Message}");
                    }
                }
            }
        }

        // Migrations run without the files' locks: refused while a file is open, else it becomes a stub
        // that the next open recalls.
        void Migrator()
        {
            var rnd = new Random(7);
            while (end.Elapsed < Duration && failures.IsEmpty)
            {
                var r = Tierfs("migrate", m.M($"f{rnd.Next(Files)}"));
                counts.AddOrUpdate(r.ExitCode == 0 ? "migrate done" : "migrate refused", 1, (_, n) => n + 1);
            }
        }

        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() => Worker(i))).Append(new Thread(Migrator)).ToList();
        threads.ForEach(t => t.Start());
        var bound = Stopwatch.StartNew();
        Assert.True(threads.All(t => t.Join(TimeSpan.FromSeconds(Math.Max(0, 120 - bound.Elapsed.TotalSeconds)))), "the workers did not end");
        output.WriteLine(string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key}: {c.Value}")));
        Assert.True(failures.IsEmpty, string.Join('\n', failures.Take(10)) + "\nits log:\n" + m.LogTail());
        Assert.True(counts.GetValueOrDefault("migrate done") > 0, "no migration happened");
        for (var i = 0; i < Files; i++)
        {
            Assert.Equal(model[i], File.ReadAllBytes(m.M($"f{i}")));
            Assert.Equal(model[i], File.ReadAllBytes(m.B($"f{i}")));
        }
        Assert.DoesNotContain("refused (EIO)", m.Log);
        Assert.Equal(0, m.Unmount().ExitCode);
    }

    [Fact]
    public void Another_user_is_refused_what_the_mode_bits_deny_and_its_read_only_handle_the_kernel_serves_cannot_write()
    {
        using var m = TestMount.Create();
        foreach (var dir in new[] { m.Root, m.Backing }) File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(m.B("secret"), "root only");
        File.SetUnixFileMode(m.B("secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(m.B("public"), "anyone may read");
        m.Mount();
        var r = Proc.RunAsNobody(["/usr/bin/python3", "-c",
            """
            import os, sys
            try:
                os.open(sys.argv[1], os.O_RDONLY); print("secret opened")
            except PermissionError: print("secret refused")
            fd = os.open(sys.argv[2], os.O_RDONLY)
            print(os.read(fd, 100).decode())
            try:
                os.write(fd, b"x"); print("written")
            except OSError as e: print("write", e.errno)
            """, m.M("secret"), m.M("public")], TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("secret refused\nanyone may read\nwrite 9\n", r.Stdout); // EBADF
        Assert.Equal("anyone may read", File.ReadAllText(m.B("public")));
        Assert.Equal(0, m.Unmount().ExitCode);
    }
}
