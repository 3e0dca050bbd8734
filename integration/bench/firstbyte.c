/*
 * firstbyte: open-to-first-byte latency of a file (for a TierFs stub: the open triggers the recall).
 * Used by integration/bench/tier-run.sh.
 *
 *   firstbyte FILE [BYTES [OFFSET]]
 *
 * Takes CLOCK_MONOTONIC just before open(2), after open returns, and after the first pread(2) of
 * BYTES (default 4096) at OFFSET (default 0; negative: that many bytes before the end, so -4096 is
 * the last 4 KiB) returns data; prints "open_s=X first_byte_s=Y" (both from before the open), then
 * closes without reading further. Exit 2 on any error (or a read returning no data).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: firstbyte FILE [BYTES [OFFSET]]\n");
        return 2;
    }
    size_t size = argc >= 3 ? (size_t)strtoul(argv[2], NULL, 10) : 4096;
    long long offset = argc == 4 ? strtoll(argv[3], NULL, 10) : 0;
    if (size == 0) size = 1;
    char *buf = malloc(size);
    if (!buf) return 2;

    double t0 = now();
    int fd = open(argv[1], O_RDONLY);
    double t1 = now();
    if (fd < 0) {
        fprintf(stderr, "firstbyte: open %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    if (offset < 0) {
        struct stat st;
        if (fstat(fd, &st) != 0 || st.st_size + offset < 0) {
            fprintf(stderr, "firstbyte: %s is shorter than %lld bytes\n", argv[1], -offset);
            return 2;
        }
        offset += st.st_size; /* stat is the stub's own: no recall needed for it */
    }
    ssize_t n = pread(fd, buf, size, (off_t)offset);
    double t2 = now();
    if (n <= 0) {
        fprintf(stderr, "firstbyte: read %s: %s\n", argv[1], n == 0 ? "end of file" : strerror(errno));
        return 2;
    }
    close(fd);
    printf("open_s=%.6f first_byte_s=%.6f\n", t1 - t0, t2 - t0);
    free(buf);
    return 0;
}
