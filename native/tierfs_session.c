/* Session lifetime: create, mount, run the multi-threaded loop, stop, unmount; kernel notifications. */
#include "tierfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

size_t tfs_splice_limit = (size_t)-1;

/* libfuse splices a reply only when its pipe holds the data plus the reply header and three pages
   of slack (fuse_send_data_iov); anything larger takes its malloc, read and writev path. */
static long splice_slack(void)
{
    return 3 * sysconf(_SC_PAGESIZE) + (long)sizeof(struct fuse_out_header);
}

/* The largest read reply, in whole pages, that a pipe of PIPE_BYTES splices. */
static size_t splice_room(long pipe_bytes)
{
    long page = sysconf(_SC_PAGESIZE);
    long room = pipe_bytes - splice_slack();
    return room > 0 ? (size_t)(room / page * page) : 0;
}

/* A pipe holds at most fs.pipe-max-size bytes unless we may exceed it (CAP_SYS_RESOURCE):
   find out once how large a read reply may be spliced. */
static void probe_splice_limit(uint32_t max_io)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    long want = (long)max_io + splice_slack();
    if (fcntl(p[0], F_SETPIPE_SZ, want) < 0) {
        long got = fcntl(p[0], F_GETPIPE_SZ);
        FILE *f = fopen("/proc/sys/fs/pipe-max-size", "r");
        long max = 0;
        if (f) {
            if (fscanf(f, "%ld", &max) != 1)
                max = 0;
            fclose(f);
        }
        if (max < got)
            max = got;
        tfs_splice_limit = splice_room(max);
    }
    close(p[0]);
    close(p[1]);
}

/* Where a full-size read reply cannot be spliced, ask the kernel for reads that can (max_read):
   the daemon then answers them with one copy in the kernel instead of a read and a write of
   every byte. A pipe limit below 128 KiB (the kernel's default read size) is left alone: reads
   that small would cost more in requests than they save in copies. */
static int cap_reads_to_splice(struct tfs_session *s, struct fuse_args *args, uint32_t max_io)
{
    if (tfs_splice_limit >= max_io || tfs_splice_limit < (128u << 10))
        return 0;
    s->max_read = (uint32_t)tfs_splice_limit; /* libfuse wants it again in the INIT handler */
    char opt[48];
    snprintf(opt, sizeof(opt), "-omax_read=%u", s->max_read);
    return fuse_opt_add_arg(args, opt);
}

tfs_session *tfs_session_new(int argc, const char *const *argv, const tfs_ops *ops, tfs_ud ud,
                             const tfs_options *opts, char *err, uint64_t errlen)
{
    struct tfs_session *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->ops = *ops;
    s->ud = ud;
    pthread_mutex_init(&s->defer_lock, NULL);
    if (opts)
        s->opts = *opts;
    uint32_t max_io = s->opts.max_write ? s->opts.max_write : 1u << 20;
    probe_splice_limit(max_io);
    /* fuse_session_new may keep pointers into argv strings only during the call; copy to be safe. */
    struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
    int bad = 0;
    for (int i = 0; i < argc && !bad; i++)
        bad = fuse_opt_add_arg(&args, argv[i]) != 0;
    if (bad || cap_reads_to_splice(s, &args, max_io) != 0) {
        snprintf(err, errlen, "out of memory");
        fuse_opt_free_args(&args);
        free(s);
        return NULL;
    }
    s->se = fuse_session_new(&args, &tfs_ll_ops, sizeof(tfs_ll_ops), s);
    fuse_opt_free_args(&args);
    if (!s->se) {
        snprintf(err, errlen, "libfuse rejected the session options (see the lines above)");
        free(s);
        return NULL;
    }
    return s;
}

int tfs_session_mount(tfs_session *s, const char *mountpoint)
{
    if (fuse_session_mount(s->se, mountpoint) != 0)
        return -1;
    s->mounted = 1;
    if (s->opts.passthrough && tfs_passthrough_install(s) != 0)
        s->opts.passthrough = 0; /* served without it */
    return 0;
}

int tfs_session_loop(tfs_session *s, uint32_t max_threads, uint32_t max_idle_threads, int32_t clone_fd)
{
    struct fuse_loop_config *cfg = fuse_loop_cfg_create();
    if (!cfg)
        return -ENOMEM;
    fuse_loop_cfg_set_max_threads(cfg, max_threads);
    fuse_loop_cfg_set_idle_threads(cfg, max_idle_threads);
    fuse_loop_cfg_set_clone_fd(cfg, (unsigned int)clone_fd);
    int res = fuse_session_loop_mt(s->se, cfg);
    fuse_loop_cfg_destroy(cfg);
    return res;
}

void tfs_session_exit(tfs_session *s) { fuse_session_exit(s->se); }

int tfs_session_exited(tfs_session *s) { return fuse_session_exited(s->se); }

void tfs_session_unmount(tfs_session *s)
{
    if (s->mounted) {
        fuse_session_unmount(s->se);
        s->mounted = 0;
    }
}

void tfs_session_destroy(tfs_session *s)
{
    if (!s)
        return;
    tfs_defer_close(s);
    tfs_session_unmount(s);
    fuse_session_destroy(s->se);
    pthread_mutex_destroy(&s->defer_lock);
    free(s);
}

int tfs_notify_inval_inode(tfs_session *s, uint64_t ino, int64_t off, int64_t len)
{
    return fuse_lowlevel_notify_inval_inode(s->se, ino, off, len);
}

int tfs_notify_inval_entry(tfs_session *s, uint64_t parent, const char *name, uint64_t namelen)
{
    return fuse_lowlevel_notify_inval_entry(s->se, parent, name, namelen);
}
