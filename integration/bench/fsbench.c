/*
 * fsbench: the per-operation workloads of integration/bench/run.sh, as plain syscalls so that
 * the measuring tool adds nothing of its own. Each measuring mode prints ONE number on stdout
 * (MiB/s, ops/s or entries/s); diagnostics go to stderr. Exit 0 on success, 3 if any operation
 * failed (the number is still printed, the driver marks the cell FAIL).
 *
 *   fsbench seqread  FILE                 read FILE start to end, 1 MiB read(2)s      -> MiB/s
 *   fsbench randread FILE COUNT [SEED]    COUNT pread(2)s of 4 KiB at random 4 KiB-aligned
 *                                         offsets                                     -> ops/s
 *   fsbench seqwrite FILE MIB             create/truncate, MIB x 1 MiB write(2)s, fsync, close
 *                                         (time includes the fsync)                   -> MiB/s
 *   fsbench stat     DIR N                fstatat(AT_SYMLINK_NOFOLLOW) f0..f(N-1)      -> ops/s
 *   fsbench openread DIR N                open f0..f(N-1), read 4 KiB, close            -> ops/s
 *   fsbench create   DIR N                open(O_CREAT|O_EXCL) f0..f(N-1), write 4 KiB, close
 *                                                                                     -> ops/s
 *   fsbench readdir  DIR LOOPS            opendir/readdir-to-end/closedir LOOPS times -> entries/s
 *   fsbench lsl      DIR LOOPS            like readdir, plus fstatat of every entry   -> entries/s
 *
 * Helpers (not timed):
 *   fsbench mkfiles  DIR N SIZE           create f0..f(N-1) of SIZE bytes each
 *   fsbench mkfile   FILE MIB             create a MIB MiB file (non-zero pattern), fsync
 *   fsbench dropcache FILE                posix_fadvise(DONTNEED) the file's page cache, then
 *                                         print the resident percentage (mincore)
 *   fsbench incore   FILE                 print the percentage of FILE resident in page cache
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define SMALL 4096

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fsbench: %s %s: %s\n", what, path ? path : "", strerror(errno));
    exit(2);
}

static long parse_long(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0) {
        fprintf(stderr, "fsbench: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

/* Failures are counted, the first few reported; the result is still printed. */
static long failures;
static void failed(const char *what, const char *name)
{
    if (failures++ < 5)
        fprintf(stderr, "fsbench: %s %s: %s\n", what, name, strerror(errno));
}

static int finish(double value)
{
    printf("%.1f\n", value);
    if (failures) {
        fprintf(stderr, "fsbench: %ld operations failed\n", failures);
        return 3;
    }
    return 0;
}

static char *aligned_buffer(size_t size, int fill)
{
    void *p;
    if (posix_memalign(&p, 4096, size) != 0)
        die("posix_memalign", NULL);
    memset(p, fill, size);
    return p;
}

static int seqread(const char *file)
{
    char *buf = aligned_buffer(MIB, 0);
    double t0 = now();
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        die("open", file);
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, MIB);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("read", file);
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
    }
    close(fd);
    double dt = now() - t0;
    return finish((double)total / MIB / dt);
}

/* xorshift64*: cheap, reproducible, no libc state. */
static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* This thread's time on a CPU and waiting for one, in seconds (/proc/thread-self/schedstat). */
static void sched_times(double *on_cpu, double *waiting)
{
    unsigned long long run = 0, wait = 0;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &run, &wait) != 2)
            run = wait = 0;
        fclose(f);
    }
    *on_cpu = (double)run / 1e9;
    *waiting = (double)wait / 1e9;
}

static int randread(const char *file, long count, uint64_t seed)
{
    char *buf = aligned_buffer(SMALL, 0);
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        die("open", file);
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat", file);
    uint64_t pages = (uint64_t)st.st_size / SMALL;
    if (pages == 0) {
        fprintf(stderr, "fsbench: %s is smaller than 4 KiB\n", file);
        return 2;
    }
    rng_state = seed ? seed : 0x9E3779B97F4A7C15ULL;
    double run0, wait0, run1, wait1;
    sched_times(&run0, &wait0);
    double t0 = now();
    for (long i = 0; i < count; i++) {
        off_t off = (off_t)(rng() % pages) * SMALL;
        if (pread(fd, buf, SMALL, off) != SMALL)
            failed("pread", file);
    }
    double dt = now() - t0;
    sched_times(&run1, &wait1);
    /* Where the reader's time went: on a CPU, or runnable and waiting for one. */
    fprintf(stderr, "randread: %.3f s: on a CPU %.3f s, waiting for a CPU %.3f s\n", dt, run1 - run0, wait1 - wait0);
    close(fd);
    return finish((double)count / dt);
}

static int seqwrite(const char *file, long mib, int report)
{
    char *buf = aligned_buffer(MIB, 0x5a);
    double t0 = now();
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die("open", file);
    for (long i = 0; i < mib; i++) {
        /* Make every MiB different so nothing below can deduplicate or compress it away. */
        memcpy(buf, &i, sizeof(i));
        size_t done = 0;
        while (done < MIB) {
            ssize_t n = write(fd, buf + done, MIB - done);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                die("write", file);
            }
            done += (size_t)n;
        }
    }
    if (fsync(fd) != 0)
        die("fsync", file);
    if (close(fd) != 0)
        die("close", file);
    double dt = now() - t0;
    if (!report)
        return 0;
    return finish((double)mib / dt);
}

static int open_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd < 0)
        die("open", dir);
    return dfd;
}

static int statn(const char *dir, long n)
{
    int dfd = open_dir(dir);
    char name[32];
    struct stat st;
    double t0 = now();
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%ld", i);
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            failed("stat", name);
    }
    double dt = now() - t0;
    close(dfd);
    return finish((double)n / dt);
}

static int openread(const char *dir, long n)
{
    int dfd = open_dir(dir);
    char *buf = aligned_buffer(SMALL, 0);
    char name[32];
    double t0 = now();
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%ld", i);
        int fd = openat(dfd, name, O_RDONLY);
        if (fd < 0) {
            failed("open", name);
            continue;
        }
        if (read(fd, buf, SMALL) != SMALL)
            failed("read", name);
        if (close(fd) != 0)
            failed("close", name);
    }
    double dt = now() - t0;
    close(dfd);
    return finish((double)n / dt);
}

static int create(const char *dir, long n, long size, int report)
{
    int dfd = open_dir(dir);
    char *buf = aligned_buffer(size > 0 ? (size_t)size : 1, 0x61);
    char name[32];
    double t0 = now();
    for (long i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "f%ld", i);
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            failed("create", name);
            continue;
        }
        if (size > 0 && write(fd, buf, (size_t)size) != size)
            failed("write", name);
        if (close(fd) != 0)
            failed("close", name);
    }
    double dt = now() - t0;
    close(dfd);
    if (!report)
        return failures ? 3 : 0;
    return finish((double)n / dt);
}

static int readdir_loop(const char *dir, long loops, int with_stat)
{
    uint64_t entries = 0;
    struct stat st;
    double t0 = now();
    for (long l = 0; l < loops; l++) {
        DIR *d = opendir(dir);
        if (!d)
            die("opendir", dir);
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d)) != NULL) {
            entries++;
            if (with_stat && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                failed("stat", e->d_name);
            errno = 0;
        }
        if (errno)
            failed("readdir", dir);
        closedir(d);
    }
    double dt = now() - t0;
    return finish((double)entries / dt);
}

/* Percentage of the file's pages resident in page cache (mincore on a shared mapping). */
static double resident_pct(int fd, const char *file)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat", file);
    if (st.st_size == 0)
        return 100.0;
    long ps = sysconf(_SC_PAGESIZE);
    size_t pages = ((size_t)st.st_size + (size_t)ps - 1) / (size_t)ps;
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        die("mmap", file);
    unsigned char *vec = malloc(pages);
    if (!vec || mincore(map, (size_t)st.st_size, vec) != 0)
        die("mincore", file);
    size_t in = 0;
    for (size_t i = 0; i < pages; i++)
        in += vec[i] & 1;
    munmap(map, (size_t)st.st_size);
    free(vec);
    return 100.0 * (double)in / (double)pages;
}

static int incore(const char *file, int drop)
{
    int fd = open(file, O_RDONLY);
    if (fd < 0)
        die("open", file);
    if (drop && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
        die("posix_fadvise", file);
    printf("%.1f\n", resident_pct(fd, file));
    close(fd);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: fsbench seqread FILE | randread FILE COUNT [SEED] | seqwrite FILE MIB |\n"
                    "       stat DIR N | openread DIR N | create DIR N | readdir DIR LOOPS | lsl DIR LOOPS |\n"
                    "       mkfiles DIR N SIZE | mkfile FILE MIB | dropcache FILE | incore FILE\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *mode = argv[1], *path = argv[2];
    if (!strcmp(mode, "seqread") && argc == 3)
        return seqread(path);
    if (!strcmp(mode, "randread") && (argc == 4 || argc == 5))
        return randread(path, parse_long(argv[3]), argc == 5 ? (uint64_t)parse_long(argv[4]) : 0);
    if (!strcmp(mode, "seqwrite") && argc == 4)
        return seqwrite(path, parse_long(argv[3]), 1);
    if (!strcmp(mode, "mkfile") && argc == 4)
        return seqwrite(path, parse_long(argv[3]), 0);
    if (!strcmp(mode, "stat") && argc == 4)
        return statn(path, parse_long(argv[3]));
    if (!strcmp(mode, "openread") && argc == 4)
        return openread(path, parse_long(argv[3]));
    if (!strcmp(mode, "create") && argc == 4)
        return create(path, parse_long(argv[3]), SMALL, 1);
    if (!strcmp(mode, "mkfiles") && argc == 5)
        return create(path, parse_long(argv[3]), parse_long(argv[4]), 0);
    if (!strcmp(mode, "readdir") && argc == 4)
        return readdir_loop(path, parse_long(argv[3]), 0);
    if (!strcmp(mode, "lsl") && argc == 4)
        return readdir_loop(path, parse_long(argv[3]), 1);
    if (!strcmp(mode, "dropcache") && argc == 3)
        return incore(path, 1);
    if (!strcmp(mode, "incore") && argc == 3)
        return incore(path, 0);
    return usage();
}
