/*
 * beside: a synthetic neighbour for the resident reader of storm-run.sh, to measure what this
 * machine takes from a CPU-bound reader while other work runs, whatever that work is. Used by
 * integration/bench/beside-run.sh.
 *
 *   beside spin THREADS          THREADS threads computing (no memory traffic)
 *   beside mem THREADS           THREADS threads each reading a 64 MiB buffer of its own, again and
 *                                again (memory traffic: misses in the shared caches)
 *   beside pingpong THREADS US   THREADS/2 pairs of threads passing a byte over pipes, each thread
 *                                computing US microseconds before each pass: the pattern of a
 *                                server's threads (a short run, wake the next, sleep)
 *
 * Prints "ready PID" once every thread runs, then works until SIGTERM, and then prints
 * "cpu_s=C switches=S seconds=T" (its CPU time and context switches since ready, all threads).
 * Exit 2 on bad usage.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum kind { SPIN, MEM, PINGPONG };
static enum kind kind;
static double work_us;
static pthread_barrier_t started;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void compute(double us)
{
    volatile unsigned long x = 0;
    double end = now() + us / 1e6;
    do
        for (int i = 0; i < 1000; i++) x += i;
    while (now() < end);
}

struct pipes { int in, out; int first; };

static void *run(void *arg)
{
    pthread_barrier_wait(&started);
    if (kind == SPIN)
        for (;;) compute(1000);
    if (kind == MEM) {
        size_t n = (size_t)64 << 20;
        volatile char *b = malloc(n);
        if (!b) abort();
        memset((char *)b, 1, n);
        unsigned long x = 0;
        for (;;)
            for (size_t i = 0; i < n; i += 64) x += b[i];
    }
    struct pipes *p = arg;
    char c = 0;
    if (p->first && write(p->out, &c, 1) != 1) abort();
    for (;;) {
        if (read(p->in, &c, 1) != 1) abort();
        compute(work_us);
        if (write(p->out, &c, 1) != 1) abort();
    }
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: beside spin THREADS | mem THREADS | pingpong THREADS(even) US\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3) return usage();
    int n = atoi(argv[2]);
    if (!strcmp(argv[1], "spin") && argc == 3) kind = SPIN;
    else if (!strcmp(argv[1], "mem") && argc == 3) kind = MEM;
    else if (!strcmp(argv[1], "pingpong") && argc == 4 && n % 2 == 0) { kind = PINGPONG; work_us = atof(argv[3]); }
    else return usage();
    if (n < 1 || n > 64 || work_us < 0) return usage();

    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL); /* the threads inherit it: only sigwait below takes it */
    pthread_barrier_init(&started, NULL, n + 1);
    struct pipes p[64];
    for (int i = 0; kind == PINGPONG && i < n; i += 2) {
        int ab[2], ba[2];
        if (pipe(ab) || pipe(ba)) { perror("pipe"); return 1; }
        p[i] = (struct pipes){ ba[0], ab[1], 1 };
        p[i + 1] = (struct pipes){ ab[0], ba[1], 0 };
    }
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, run, &p[i])) { perror("pthread_create"); return 1; }
    }
    pthread_barrier_wait(&started);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now();
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    int sig;
    sigwait(&term, &sig);
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                 ((r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / 1e6;
    long sw = (r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw);
    printf("cpu_s=%.3f switches=%ld seconds=%.3f\n", cpu, sw, now() - t0);
    fflush(stdout);
    _exit(0);
}
