using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using TierFs.IntegrationTests.Harness;

namespace TierFs.IntegrationTests;

/// <summary>
/// Open files: create/open/read/write/flush/release/fsync, O_APPEND, O_TRUNC, O_EXCL, fallocate
/// (with punch hole), SEEK_DATA/SEEK_HOLE, copy_file_range, flock between two processes, and
/// shared memory maps — each run on a plain directory and on the mount, with the same results.
/// </summary>
public unsafe class FileIoTests(MountFixture f) : IClassFixture<MountFixture>
{
    private static byte[] Data(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void Create_write_read_fsync_and_close()
    {
        Differential.Same(f, "rw", s =>
        {
            foreach (var size in new[] { 0, 1, 4095, 4096, 131_073, (1 << 20) + 17, 5 << 20 })
            {
                var name = $"f{size}";
                var data = Data(size, size);
                var fd = Px.Open(s.P(name), Px.O_WRONLY | Px.O_CREAT | Px.O_EXCL, 0x1B6);
                var done = 0;
                while (done < size) done += Px.Write(fd, data.AsSpan(done, Math.Min(300_000, size - done)));
                s.Do($"fsync {name}", Px.Fsync(fd));
                s.Do($"fdatasync {name}", Px.Fdatasync(fd));
                s.FStat(name, fd, name);
                s.Do($"close {name}", Px.TryClose(fd));
                s.Stat(name);
                var back = s.Content(name)!;
                Assert.True(data.AsSpan().SequenceEqual(back), $"{name}: read back differs");
            }

            // Reads at odd offsets, past the end, and across a write from another descriptor.
            var big = Px.Open(s.P($"f{(1 << 20) + 17}"), Px.O_RDWR);
            s.Note($"pread middle: {Scenario.Hash(Px.PRead(big, 70_000, 500_001))}");
            s.Note($"pread at end: {Px.PRead(big, 100, (1 << 20) + 17).Length} bytes");
            s.Note($"pread past end: {Px.PRead(big, 100, 10 << 20).Length} bytes");
            var other = Px.Open(s.P($"f{(1 << 20) + 17}"), Px.O_RDONLY);
            Px.PRead(other, 4096, 0); // cache the first page
            Px.PWrite(big, "overwritten"u8, 10);
            s.Note($"other descriptor sees the write: {Encoding.UTF8.GetString(Px.PRead(other, 11, 10))}");
            // Writing past the end leaves a hole of zeros.
            Px.PWrite(big, "tail"u8, 3 << 20);
            s.FStat("after write past end", big);
            s.Note($"hole reads zeros: {Px.PRead(other, 4096, 2 << 20).All(b => b == 0)}");
            Px.Close(other);
            Px.Close(big);
            s.Stat($"f{(1 << 20) + 17}");

            s.Do("O_EXCL on existing", Px.TryOpen(s.P("f0"), Px.O_WRONLY | Px.O_CREAT | Px.O_EXCL, out _));
            s.Do("open missing", Px.TryOpen(s.P("missing"), Px.O_RDONLY, out _));
            s.Do("open dir for writing", Px.TryOpen(s.Dir, Px.O_WRONLY, out _));
            s.Do("O_DIRECTORY on a file", Px.TryOpen(s.P("f0"), Px.O_RDONLY | Px.O_DIRECTORY, out _));
            s.Do("open file/child", Px.TryOpen(s.P("f0/child"), Px.O_RDONLY, out _));
            // Creating with a mode: the umask applies once, as on any filesystem.
            foreach (var mode in new uint[] { 0x1FF, 0x180, 0x000, 0xDFF })
            {
                s.Do($"create mode {Convert.ToString(mode, 8)}", Px.TryOpen(s.P($"m{mode}"), Px.O_RDWR | Px.O_CREAT, out var fd, mode));
                if (fd >= 0)
                {
                    s.FStat($"m{mode}", fd, $"m{mode}");
                    // An open descriptor keeps its access mode whatever the file's mode is now.
                    s.Note($"write on fd of mode {Convert.ToString(mode, 8)}: {Px.Name(Px.TryWrite(fd, "ok"u8))}");
                    Px.Close(fd);
                }
            }
            var ro = Px.Open(s.P("f1"), Px.O_RDONLY);
            s.Note($"write on read-only fd: {Px.Name(Px.TryWrite(ro, "x"u8))}");
            Px.Close(ro);
            var wo = Px.Open(s.P("f1"), Px.O_WRONLY);
            s.Note($"read on write-only fd: {Px.Name(Px.TryPRead(wo, 1, 0, out _))}");
            Px.Close(wo);
        });
    }

    [Fact]
    public void Append_and_truncate_on_open()
    {
        Differential.Same(f, "append", s =>
        {
            File.WriteAllText(s.P("log"), "start\n");
            var a1 = Px.Open(s.P("log"), Px.O_WRONLY | Px.O_APPEND);
            var a2 = Px.Open(s.P("log"), Px.O_WRONLY | Px.O_APPEND);
            var plain = Px.Open(s.P("log"), Px.O_WRONLY);
            for (var i = 0; i < 20; i++)
            {
                Px.Write(i % 2 == 0 ? a1 : a2, Encoding.UTF8.GetBytes($"line {i}\n"));
                if (i == 10) Px.PWrite(plain, "START"u8, 0);
            }
            // pwrite on an O_APPEND descriptor appends too (Linux).
            Px.PWrite(a1, "pwrite-appended\n"u8, 0);
            s.Note($"append offset: {Px.Lseek(a1, 0, Px.SEEK_CUR)}");
            Px.Close(a1);
            Px.Close(a2);
            Px.Close(plain);
            s.Stat("log");
            s.Content("log");

            // O_TRUNC empties the file at open, and a reader that had cached it sees that.
            File.WriteAllBytes(s.P("t"), Data(200_000, 7));
            var reader = Px.Open(s.P("t"), Px.O_RDONLY);
            s.Note($"cached before: {Px.PRead(reader, 10, 0).Length}");
            var t = Px.Open(s.P("t"), Px.O_WRONLY | Px.O_TRUNC);
            s.FStat("after O_TRUNC", t, "t");
            s.Stat("t");
            s.Note($"reader after O_TRUNC reads {Px.PRead(reader, 10, 0).Length} bytes");
            Px.Write(t, "short"u8);
            Px.Close(t);
            s.Note($"reader then reads: {Encoding.UTF8.GetString(Px.PRead(reader, 100, 0))}");
            Px.Close(reader);
            s.Stat("t");
            s.Content("t");
            // O_TRUNC together with O_CREAT on an existing file; and on a read-only open (allowed, truncates).
            var ct = Px.Open(s.P("t"), Px.O_RDWR | Px.O_CREAT | Px.O_TRUNC);
            s.FStat("O_CREAT|O_TRUNC", ct, "t");
            Px.Close(ct);
            File.WriteAllText(s.P("t"), "again");
            s.Do("O_RDONLY|O_TRUNC", Px.TryOpen(s.P("t"), Px.O_RDONLY | Px.O_TRUNC, out var rt));
            if (rt >= 0) Px.Close(rt);
            s.Stat("t");
        });
    }

    [Fact]
    public void Concurrent_appenders_lose_nothing()
    {
        Differential.Same(f, "appenders", s =>
        {
            // Two shells appending line by line (each `>>` is an open(O_APPEND), write, close) ...
            const string Script = """for i in $(seq 1 300); do echo "$2-line-$i-padding-padding" >> "$1"; done""";
            var a = System.Diagnostics.Process.Start("sh", ["-c", Script, "sh", s.P("log"), "A"])!;
            var b = System.Diagnostics.Process.Start("sh", ["-c", Script, "sh", s.P("log"), "B"])!;
            // ... and two threads appending through descriptors they keep open.
            Parallel.For(0, 2, t =>
            {
                var fd = Px.Open(s.P("log"), Px.O_WRONLY | Px.O_APPEND | Px.O_CREAT);
                for (var i = 1; i <= 500; i++) Px.Write(fd, Encoding.UTF8.GetBytes($"T{t}-line-{i}-padding-padding\n"));
                Px.Close(fd);
            });
            Assert.True(a.WaitForExit(60_000) && b.WaitForExit(60_000), "the appending shells did not finish");
            var lines = File.ReadAllLines(s.P("log"));
            s.Note($"lines: {lines.Length}");
            foreach (var who in new[] { "A", "B", "T0", "T1" })
            {
                var mine = lines.Where(l => l.StartsWith(who + "-", StringComparison.Ordinal)).ToList();
                var inOrder = mine.Select((l, i) => l == $"{who}-line-{i + 1}-padding-padding").All(x => x);
                s.Note($"{who}: {mine.Count} lines, whole and in order: {inOrder}");
            }
            s.Note($"no torn lines: {lines.All(l => l.EndsWith("-padding-padding", StringComparison.Ordinal))}");
            s.Stat("log");
        });
    }

    [Fact]
    public void Fallocate_and_punch_hole()
    {
        Differential.Same(f, "fallocate", s =>
        {
            const int MiB = 1 << 20;
            var fd = Px.Open(s.P("f"), Px.O_RDWR | Px.O_CREAT);
            s.Do("fallocate 0..1MiB", Px.Fallocate(fd, 0, 0, MiB));
            s.FStat("after fallocate", fd, "f");
            s.Note($"blocks cover 1MiB: {Px.FStat(fd).Blocks * 512 >= MiB}");
            s.Do("fallocate KEEP_SIZE to 2MiB", Px.Fallocate(fd, Px.FALLOC_FL_KEEP_SIZE, MiB, MiB));
            var keep = s.FStat("after KEEP_SIZE", fd, "f");
            s.Note($"blocks cover 2MiB: {keep.Blocks * 512 >= 2 * MiB}");
            Px.PWrite(fd, Data(MiB, 3), 0);
            s.Do("fsync", Px.Fsync(fd));
            var full = Px.FStat(fd);
            s.Do("punch hole 256KiB at 256KiB", Px.Fallocate(fd, Px.FALLOC_FL_PUNCH_HOLE | Px.FALLOC_FL_KEEP_SIZE, 256 << 10, 256 << 10));
            var punched = s.FStat("after punch", fd, "f");
            s.Note($"punch freed blocks: {full.Blocks - punched.Blocks}");
            s.Note($"hole reads zeros: {Px.PRead(fd, 256 << 10, 256 << 10).All(b => b == 0)}");
            s.Note($"data around it kept: {Scenario.Hash(Px.PRead(fd, 256 << 10, 0))} {Scenario.Hash(Px.PRead(fd, 512 << 10, 512 << 10))}");
            s.Do("zero range", Px.Fallocate(fd, Px.FALLOC_FL_ZERO_RANGE, 10, 100));
            s.Note($"zeroed: {Px.PRead(fd, 100, 10).All(b => b == 0)}");
            s.Do("punch without KEEP_SIZE", Px.Fallocate(fd, Px.FALLOC_FL_PUNCH_HOLE, 0, 4096));
            s.Do("fallocate negative length", Px.Fallocate(fd, 0, 0, -1));
            Px.Close(fd);
            s.Stat("f");
            s.Content("f");
            var ro = Px.Open(s.P("f"), Px.O_RDONLY);
            s.Do("fallocate on read-only fd", Px.Fallocate(ro, 0, 0, 4096));
            Px.Close(ro);
        });
    }

    [Fact]
    public void Seek_data_and_seek_hole_on_a_sparse_file()
    {
        Differential.Same(f, "sparse", s =>
        {
            const long MiB = 1 << 20;
            var fd = Px.Open(s.P("sparse"), Px.O_RDWR | Px.O_CREAT);
            Px.PWrite(fd, Data(8192, 1), 0);
            Px.PWrite(fd, Data(8192, 2), 3 * MiB);
            s.Do("ftruncate 8MiB", Px.Ftruncate(fd, 8 * MiB));
            s.Do("fsync", Px.Fsync(fd));
            foreach (var (whence, name) in new[] { (Px.SEEK_DATA, "SEEK_DATA"), (Px.SEEK_HOLE, "SEEK_HOLE") })
                foreach (var off in new[] { 0L, 100, 8192, MiB, 3 * MiB, 3 * MiB + 8191, 3 * MiB + 8192, 5 * MiB, 8 * MiB - 1, 8 * MiB, 9 * MiB })
                    s.DoCount($"lseek {off} {name}", Px.Lseek(fd, off, whence));
            s.DoCount("lseek SEEK_END", Px.Lseek(fd, 0, Px.SEEK_END));
            s.DoCount("lseek SEEK_SET -1", Px.Lseek(fd, -1, Px.SEEK_SET));
            s.Note($"blocks: {Px.FStat(fd).Blocks}");
            Px.Close(fd);
            s.Stat("sparse");
            s.Content("sparse");
        });
    }

    [Fact]
    public void Copy_file_range_within_the_mount()
    {
        Differential.Same(f, "cfr", s =>
        {
            var data = Data(3 << 20, 11);
            File.WriteAllBytes(s.P("src"), data);
            File.WriteAllText(s.P("dst"), "0123456789");
            var src = Px.Open(s.P("src"), Px.O_RDONLY);
            var dst = Px.Open(s.P("dst"), Px.O_WRONLY);
            long total = 0;
            while (total < (2 << 20))
            {
                var n = Px.CopyFileRange(src, 1000 + total, dst, 5 + total, (2 << 20) - total);
                if (n <= 0)
                {
                    s.DoCount("copy_file_range", n);
                    break;
                }
                total += n;
            }
            s.Note($"copied {total}");
            s.FStat("dst", dst, "dst");
            s.DoCount("copy past the end of src", Px.CopyFileRange(src, 10 << 20, dst, 0, 100));
            s.DoCount("copy into a read-only fd", Px.CopyFileRange(dst, 0, src, 0, 10));
            var rw = Px.Open(s.P("dst"), Px.O_RDWR);
            s.DoCount("copy overlapping in one file", Px.CopyFileRange(rw, 0, rw, 100, 1000));
            Px.Close(rw);
            Px.Close(src);
            Px.Close(dst);
            var got = s.Content("dst")!;
            var expected = "01234"u8.ToArray().Concat(data.AsSpan(1000, 2 << 20).ToArray()).ToArray();
            Assert.True(expected.AsSpan().SequenceEqual(got), "copy_file_range result differs from the source range");
            s.Stat("dst");
        });
    }

    [Fact]
    public void Flock_between_two_processes()
    {
        Differential.Same(f, "flock", s =>
        {
            File.WriteAllText(s.P("lock"), "");
            // Another process takes the lock and holds it until its stdin closes.
            var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", s.P("lock"), "sh", "-c", "echo locked; read x"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            try
            {
                s.Note($"holder: {holder.StandardOutput.ReadLine()}");
                var fd = Px.Open(s.P("lock"), Px.O_RDONLY);
                s.Do("LOCK_EX|LOCK_NB while held", Px.Flock(fd, Px.LOCK_EX | Px.LOCK_NB));
                s.Do("LOCK_SH|LOCK_NB while held", Px.Flock(fd, Px.LOCK_SH | Px.LOCK_NB));
                var other = Proc.Run("flock", "--nonblock", "--conflict-exit-code", "42", s.P("lock"), "true");
                s.Note($"flock -n from a third process: exit {other.ExitCode}");
                holder.StandardInput.Close();
                Assert.True(holder.WaitForExit(10_000), "the lock holder did not exit");
                s.Note($"holder exit {holder.ExitCode}");
                // The holder is gone, so is its lock (LockTests: at once, on the mount too).
                s.Do("LOCK_EX|LOCK_NB after release", Px.Flock(fd, Px.LOCK_EX | Px.LOCK_NB));
                var third = Proc.Run("flock", "--nonblock", "--conflict-exit-code", "42", s.P("lock"), "true");
                s.Note($"flock -n while we hold it: exit {third.ExitCode}");
                s.Do("LOCK_UN", Px.Flock(fd, Px.LOCK_UN));
                var fourth = Proc.Run("flock", "--nonblock", "--conflict-exit-code", "42", s.P("lock"), "true");
                s.Note($"flock -n after unlock: exit {fourth.ExitCode}");
                // Two opens in one process are two open file descriptions: they contend too.
                var fd2 = Px.Open(s.P("lock"), Px.O_RDONLY);
                s.Do("LOCK_SH on fd", Px.Flock(fd, Px.LOCK_SH | Px.LOCK_NB));
                s.Do("LOCK_SH on fd2", Px.Flock(fd2, Px.LOCK_SH | Px.LOCK_NB));
                s.Do("LOCK_EX on fd2 with a shared holder", Px.Flock(fd2, Px.LOCK_EX | Px.LOCK_NB));
                Px.Close(fd);
                // close() drops fd's lock; a child that a parallel test forks at that instant may share
                // the descriptor until it execs (O_CLOEXEC), so allow that moment to pass.
                s.Do("LOCK_EX on fd2 after fd closed", FlockOnceFree(fd2, Px.LOCK_EX | Px.LOCK_NB));
                Px.Close(fd2);
            }
            finally
            {
                if (!holder.HasExited) holder.Kill();
                holder.Dispose();
            }
        });
    }

    // flock(2) without waiting, tried again for a bounded time while the lock may still be held by a
    // copy of a descriptor this process just closed (a child forked meanwhile, until it execs): the
    // result, or EAGAIN after 5 s.
    private static int FlockOnceFree(int fd, int operation)
    {
        var got = Px.EAGAIN;
        Proc.WaitUntil(() => (got = Px.Flock(fd, operation)) != Px.EAGAIN, TimeSpan.FromSeconds(5));
        return got;
    }

    [Fact]
    public void Mmap_read_and_write()
    {
        Differential.Same(f, "mmap", s =>
        {
            const int Len = 3 * 4096 + 100;
            var data = Data(Len, 5);
            File.WriteAllBytes(s.P("m"), data);
            var fd = Px.Open(s.P("m"), Px.O_RDWR);
            var map = Px.Mmap(fd, Len, Px.PROT_READ | Px.PROT_WRITE);
            try
            {
                var view = new byte[Len];
                Marshal.Copy(map, view, 0, Len);
                s.Note($"mapped content matches: {view.AsSpan().SequenceEqual(data)}");
                // Write through the map, in the middle and at the last partial page.
                Marshal.Copy("mapped write"u8.ToArray(), 0, map + 5000, 12);
                Marshal.Copy("END"u8.ToArray(), 0, map + Len - 3, 3);
                s.Do("msync", Px.Msync(map, Len));
                s.Note($"read() sees the mapped write: {Encoding.UTF8.GetString(Px.PRead(fd, 12, 5000))} {Encoding.UTF8.GetString(Px.PRead(fd, 3, Len - 3))}");
                // And the map sees a write().
                Px.PWrite(fd, "written"u8, 100);
                var seen = new byte[7];
                Marshal.Copy(map + 100, seen, 0, 7);
                s.Note($"map sees write(): {Encoding.UTF8.GetString(seen)}");
            }
            finally
            {
                Px.Munmap(map, Len);
            }
            Px.Close(fd);
            s.Stat("m");
            s.Content("m");

            // A read-only map of a read-only descriptor; a writable shared map of one is refused.
            var ro = Px.Open(s.P("m"), Px.O_RDONLY);
            var rmap = Px.Mmap(ro, Len, Px.PROT_READ);
            var head = new byte[12];
            Marshal.Copy(rmap + 5000, head, 0, 12);
            s.Note($"read-only map: {Encoding.UTF8.GetString(head)}");
            Px.Munmap(rmap, Len);
            try
            {
                Px.Munmap(Px.Mmap(ro, Len, Px.PROT_READ | Px.PROT_WRITE), Len);
                s.Note("writable map of a read-only fd: allowed");
            }
            catch (PosixException e)
            {
                s.Note($"writable map of a read-only fd: {Px.Name(e.Errno)}");
            }
            Px.Close(ro);
        });
    }

    [Fact]
    public void Direct_io_with_aligned_buffers()
    {
        Differential.Same(f, "odirect", s =>
        {
            const int Len = 64 << 10;
            var buf = (IntPtr)NativeMemory.AlignedAlloc(Len, 4096);
            try
            {
                var data = Data(Len, 21);
                Marshal.Copy(data, 0, buf, Len);
                s.Do("open O_DIRECT|O_CREAT", Px.TryOpen(s.P("d"), Px.O_RDWR | Px.O_CREAT | Px.O_DIRECT, out var fd));
                if (fd < 0) return;
                s.DoCount("pwrite 64KiB at 0", Px.PWriteRaw(fd, buf, Len, 0));
                s.DoCount("pwrite 64KiB at 1MiB", Px.PWriteRaw(fd, buf, Len, 1 << 20));
                s.FStat("d", fd, "d");
                NativeMemory.Clear((void*)buf, Len);
                s.DoCount("pread 64KiB at 1MiB", Px.PReadRaw(fd, buf, Len, 1 << 20));
                var back = new byte[Len];
                Marshal.Copy(buf, back, 0, Len);
                s.Note($"read back the same: {back.AsSpan().SequenceEqual(data)}");
                s.DoCount("pread past the end", Px.PReadRaw(fd, buf, Len, 4 << 20));
                s.Do("fsync", Px.Fsync(fd));
                Px.Close(fd);
                // A buffered reader sees what was written directly.
                var all = s.Content("d")!;
                s.Note($"buffered read agrees: {all.Length == (1 << 20) + Len && all.AsSpan(1 << 20, Len).SequenceEqual(data)}");
                // And O_DIRECT reads data written through the page cache.
                File.WriteAllBytes(s.P("cached"), data);
                var rd = Px.Open(s.P("cached"), Px.O_RDONLY | Px.O_DIRECT);
                s.DoCount("O_DIRECT read of cached data", Px.PReadRaw(rd, buf, Len, 0));
                Marshal.Copy(buf, back, 0, Len);
                s.Note($"same: {back.AsSpan().SequenceEqual(data)}");
                Px.Close(rd);
            }
            finally
            {
                NativeMemory.AlignedFree((void*)buf);
            }
        });
    }

    [Fact]
    public void Offsets_beyond_4GiB()
    {
        Differential.Same(f, "bigoff", s =>
        {
            const long G = 1L << 30;
            var fd = Px.Open(s.P("big"), Px.O_RDWR | Px.O_CREAT);
            Px.PWrite(fd, "past five gigabytes"u8, 5 * G + 3);
            s.FStat("big", fd, "big");
            s.Note($"read at 5GiB+3: {Encoding.UTF8.GetString(Px.PRead(fd, 19, 5 * G + 3))}");
            s.DoCount("SEEK_DATA 0", Px.Lseek(fd, 0, Px.SEEK_DATA));
            s.DoCount("SEEK_HOLE 5GiB", Px.Lseek(fd, 5 * G, Px.SEEK_HOLE));
            var dst = Px.Open(s.P("copy"), Px.O_RDWR | Px.O_CREAT);
            s.DoCount("copy_file_range 5GiB -> 6GiB", Px.CopyFileRange(fd, 5 * G + 3, dst, 6 * G, 19));
            s.Note($"copied: {Encoding.UTF8.GetString(Px.PRead(dst, 19, 6 * G))}");
            s.Do("ftruncate 4GiB+1", Px.Ftruncate(fd, 4 * G + 1));
            s.FStat("big", fd, "big");
            s.Do("fallocate KEEP_SIZE at 4GiB", Px.Fallocate(fd, Px.FALLOC_FL_KEEP_SIZE, 4 * G, 4096));
            Px.Close(dst);
            Px.Close(fd);
            s.Do("truncate by path to 8GiB", Px.Truncate(s.P("big"), 8 * G));
            s.Stat("big");
            s.Stat("copy");
        });
    }

    [Fact]
    public void Programs_run_from_the_mount_and_a_running_one_cannot_be_written()
    {
        Differential.Same(f, "exec", s =>
        {
            File.Copy("/bin/sleep", s.P("sleep"));
            File.Copy("/bin/echo", s.P("echo"));
            Px.Chmod(s.P("echo"), 0x1ED);
            Px.Chmod(s.P("sleep"), 0x1ED);
            var r = Proc.Run(s.P("echo"), "ran from here");
            s.Note($"echo: exit {r.ExitCode} {r.Stdout.Trim()}");
            using var running = System.Diagnostics.Process.Start(s.P("sleep"), "600");
            try
            {
                Assert.True(Proc.WaitUntil(() => File.ReadAllText($"/proc/{running.Id}/cmdline").StartsWith(s.P("sleep"), StringComparison.Ordinal), TimeSpan.FromSeconds(10)));
                s.Do("open a running program for writing", Px.TryOpen(s.P("sleep"), Px.O_WRONLY, out var w));
                if (w >= 0) Px.Close(w);
                s.Do("unlink a running program", Px.Unlink(s.P("sleep")));
            }
            finally
            {
                running.Kill();
                running.WaitForExit();
            }
            Px.Chmod(s.P("echo"), 0x1A4);
            s.Do("exec without x bit", Px.Access(s.P("echo"), Px.X_OK));
        });
    }
}
