/*
 * storm: many concurrent opens of distinct files, one thread each (for TierFs stubs: a recall
 * each). Used by integration/bench/storm-run.sh.
 *
 *   storm DIR N
 *
 * Starts N threads that wait at a barrier, then each opens DIR/fI (I = 0..N-1), reads its first
 * 4 KiB and closes it. Prints "ok=K failed=F wall_s=W p50_s=A p99_s=B max_s=C" (latencies from the
 * barrier to the read's return) and, on stderr, the first few errors. Exit 0 when all succeeded,
 * 3 when any failed, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static pthread_barrier_t start;
static double t_start;
static double *lat;
static int *err;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *one(void *arg)
{
    long i = (long)arg;
    char path[4096], buf[4096];
    snprintf(path, sizeof path, "%s/f%ld", dir, i);
    if (pthread_barrier_wait(&start) == PTHREAD_BARRIER_SERIAL_THREAD) t_start = now();
    double t0 = now();
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        err[i] = errno;
    } else {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) err[i] = n == 0 ? EIO : errno;
        close(fd);
    }
    lat[i] = now() - t0;
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: storm DIR N\n");
        return 2;
    }
    dir = argv[1];
    long n = strtol(argv[2], NULL, 10);
    if (n <= 0) return 2;
    lat = calloc((size_t)n, sizeof *lat);
    err = calloc((size_t)n, sizeof *err);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    if (!lat || !err || !t) return 2;
    pthread_barrier_init(&start, NULL, (unsigned)n);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024); /* a thousand threads, small stacks */
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], &attr, one, (void *)i) != 0) {
            fprintf(stderr, "storm: cannot start thread %ld\n", i);
            return 2;
        }
    for (long i = 0; i < n; i++) pthread_join(t[i], NULL);
    double wall = now() - t_start;
    long failed = 0;
    for (long i = 0; i < n; i++)
        if (err[i] && failed++ < 5) fprintf(stderr, "storm: %s/f%ld: %s\n", dir, i, strerror(err[i]));
    qsort(lat, (size_t)n, sizeof *lat, cmp);
    printf("ok=%ld failed=%ld wall_s=%.3f p50_s=%.3f p99_s=%.3f max_s=%.3f\n", n - failed, failed, wall,
           lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], lat[n - 1]);
    return failed ? 3 : 0;
}
