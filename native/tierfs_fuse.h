/*
 * The flat ABI between libfuse's low-level API and the managed binding (src/TierFs.Fuse).
 * Every struct here has fixed-width fields and no bitfields, so the C# mirrors are exact;
 * libfuse's own structs (fuse_file_info bitfields, fuse_entry_param, struct stat) never
 * cross the boundary. tfs_abi_size() lets the managed side verify the mirrors at start-up.
 */
#ifndef TIERFS_FUSE_H
#define TIERFS_FUSE_H

#include <stddef.h>
#include <stdint.h>

#define TFS_EXPORT __attribute__((visibility("default")))

typedef struct tfs_attr {
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;
    uint64_t rdev;
    int64_t atime_sec;
    int64_t mtime_sec;
    int64_t ctime_sec;
    int64_t atime_nsec;
    int64_t mtime_nsec;
    int64_t ctime_nsec;
    uint32_t mode;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint32_t blksize;
    uint32_t reserved;
} tfs_attr;

typedef struct tfs_entry {
    uint64_t ino;
    uint64_t generation;
    double attr_timeout;
    double entry_timeout;
    tfs_attr attr;
} tfs_entry;

/* fuse_file_info's bitfields as one word. */
enum {
    TFS_FI_WRITEPAGE = 1 << 0,     /* in */
    TFS_FI_DIRECT_IO = 1 << 1,     /* out */
    TFS_FI_KEEP_CACHE = 1 << 2,    /* out */
    TFS_FI_FLUSH = 1 << 3,         /* in */
    TFS_FI_NONSEEKABLE = 1 << 4,   /* out */
    TFS_FI_FLOCK_RELEASE = 1 << 5, /* in */
    TFS_FI_CACHE_READDIR = 1 << 6, /* out */
    TFS_FI_NOFLUSH = 1 << 7,       /* out */
    TFS_FI_PASSTHROUGH = 1 << 8,   /* out: the kernel reads and writes backing_id's file itself */
    TFS_FI_PRESENT = 1 << 31       /* the request carried a file handle */
};

typedef struct tfs_file_info {
    int32_t flags;
    uint32_t bits;
    uint64_t fh;
    uint64_t lock_owner;
    int32_t backing_id; /* out, with TFS_FI_PASSTHROUGH: from tfs_backing_open */
    uint32_t reserved;
} tfs_file_info;

typedef struct tfs_ctx {
    uint32_t uid;
    uint32_t gid;
    uint32_t pid;
    uint32_t umask;
    uint64_t req; /* the request, for tfs_defer; opaque */
} tfs_ctx;

typedef struct tfs_statvfs {
    uint64_t bsize;
    uint64_t frsize;
    uint64_t blocks;
    uint64_t bfree;
    uint64_t bavail;
    uint64_t files;
    uint64_t ffree;
    uint64_t favail;
    uint64_t fsid;
    uint64_t flag;
    uint64_t namemax;
} tfs_statvfs;

/* A read is answered from `buf` (return the byte count) or, zero-copy, from `fd` at `fd_offset`. */
typedef struct tfs_read_reply {
    void *buf;
    int32_t fd;
    int32_t reserved;
    int64_t fd_offset;
} tfs_read_reply;

typedef struct tfs_dirbuf tfs_dirbuf;

typedef struct tfs_conn {
    uint32_t proto_major;
    uint32_t proto_minor;
    uint32_t capable;
    uint32_t want;
    uint32_t max_write;
    uint32_t max_readahead;
    uint32_t max_background;
    uint32_t congestion_threshold;
    uint32_t time_gran;
    uint32_t passthrough; /* nonzero: the INIT reply asks for FUSE passthrough */
} tfs_conn;

/* Mount-wide tuning applied in the INIT handshake. */
typedef struct tfs_options {
    uint32_t want_caps;     /* FUSE_CAP_* to enable when the kernel offers them */
    uint32_t unwant_caps;   /* FUSE_CAP_* to disable */
    uint32_t max_write;
    uint32_t max_readahead;
    uint32_t max_background;
    uint32_t congestion_threshold;
    uint32_t time_gran;
    uint32_t passthrough; /* nonzero: ask for FUSE passthrough when the kernel offers it */
} tfs_options;

typedef void *tfs_ud;

/* Returned by a callback that took its request with tfs_defer: the reply comes later, from any thread. */
#define TFS_REPLY_LATER 1

/* Managed callbacks. Return 0 or a negative errno unless noted (open and read may also return TFS_REPLY_LATER). */
typedef struct tfs_ops {
    void (*init)(tfs_ud ud, const tfs_conn *conn);
    void (*destroy)(tfs_ud ud);
    int (*lookup)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name, tfs_entry *e);
    void (*forget)(tfs_ud ud, uint64_t ino, uint64_t nlookup);
    int (*getattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_file_info *fi, tfs_attr *out, double *timeout);
    int (*setattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_attr *in, int32_t to_set,
                   const tfs_file_info *fi, tfs_attr *out, double *timeout);
    int (*readlink)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, char *buf, uint64_t size); /* length */
    int (*mknod)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name, uint32_t mode, uint64_t rdev, tfs_entry *e);
    int (*mkdir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name, uint32_t mode, tfs_entry *e);
    int (*unlink)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name);
    int (*rmdir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name);
    int (*symlink)(tfs_ud ud, const tfs_ctx *ctx, const char *target, uint64_t parent, const char *name, tfs_entry *e);
    int (*rename)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name, uint64_t newparent,
                  const char *newname, uint32_t flags);
    int (*link)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, uint64_t newparent, const char *newname, tfs_entry *e);
    int (*open)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, tfs_file_info *fi);
    int (*read)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, uint64_t size, int64_t off, const tfs_file_info *fi,
                tfs_read_reply *reply); /* bytes placed in reply->buf, or 0 with reply->fd set */
    int (*write)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const void *buf, uint64_t size, int64_t off,
                 const tfs_file_info *fi); /* bytes written */
    int (*flush)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_file_info *fi);
    int (*release)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_file_info *fi);
    int (*fsync)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int32_t datasync, const tfs_file_info *fi);
    int (*opendir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, tfs_file_info *fi);
    int (*readdir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int64_t off, const tfs_file_info *fi,
                   tfs_dirbuf *buf, int32_t plus);
    int (*releasedir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_file_info *fi);
    int (*fsyncdir)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int32_t datasync, const tfs_file_info *fi);
    int (*statfs)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, tfs_statvfs *out);
    int (*setxattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const char *name, const void *value, uint64_t size,
                    int32_t flags);
    int (*getxattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const char *name, void *buf, uint64_t size); /* length */
    int (*listxattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, char *buf, uint64_t size);                 /* length */
    int (*removexattr)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const char *name);
    int (*access)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int32_t mask);
    int (*create)(tfs_ud ud, const tfs_ctx *ctx, uint64_t parent, const char *name, uint32_t mode, tfs_file_info *fi,
                  tfs_entry *e);
    int (*flock)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, const tfs_file_info *fi, int32_t op);
    int (*fallocate)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int32_t mode, int64_t off, int64_t len,
                     const tfs_file_info *fi);
    int64_t (*lseek)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino, int64_t off, int32_t whence, const tfs_file_info *fi);
    int64_t (*copy_file_range)(tfs_ud ud, const tfs_ctx *ctx, uint64_t ino_in, int64_t off_in, const tfs_file_info *fi_in,
                               uint64_t ino_out, int64_t off_out, const tfs_file_info *fi_out, uint64_t len,
                               int32_t flags); /* bytes copied */
} tfs_ops;

typedef struct tfs_session tfs_session;

/* Directory listing: add one entry; returns 1 when added, 0 when the reply buffer is full. */
TFS_EXPORT int tfs_dirbuf_add(tfs_dirbuf *db, const char *name, const tfs_attr *attr, int64_t next_off);
TFS_EXPORT int tfs_dirbuf_add_plus(tfs_dirbuf *db, const char *name, const tfs_entry *e, int64_t next_off);

/* argv: libfuse session arguments ("tierfs", "-o", "opt,opt"). On failure returns NULL and fills err. */
TFS_EXPORT tfs_session *tfs_session_new(int argc, const char *const *argv, const tfs_ops *ops, tfs_ud ud,
                                        const tfs_options *opts, char *err, uint64_t errlen);
TFS_EXPORT int tfs_session_mount(tfs_session *s, const char *mountpoint);
TFS_EXPORT int tfs_session_loop(tfs_session *s, uint32_t max_threads, uint32_t max_idle_threads, int32_t clone_fd);
TFS_EXPORT void tfs_session_exit(tfs_session *s);
/* Nonzero once the loop is ending: asked to exit, or the kernel connection is gone (unmounted, aborted). */
TFS_EXPORT int tfs_session_exited(tfs_session *s);
TFS_EXPORT void tfs_session_unmount(tfs_session *s);
TFS_EXPORT void tfs_session_destroy(tfs_session *s);
TFS_EXPORT int tfs_notify_inval_inode(tfs_session *s, uint64_t ino, int64_t off, int64_t len);
TFS_EXPORT int tfs_notify_inval_entry(tfs_session *s, uint64_t parent, const char *name, uint64_t namelen);

/*
 * Replies given later. A handler that would wait (for a recall) takes its request with tfs_defer
 * (ctx->req), returns TFS_REPLY_LATER and so gives its FUSE thread back to the loop; whoever finishes
 * the work replies exactly once with tfs_reply_*, from any thread. A request still waiting when the
 * session is destroyed is answered EIO then; a later tfs_reply_* of it only frees it and returns
 * -ESHUTDOWN. tfs_reply_open returns -ENOENT when the opener is gone: the caller releases the handle.
 */
typedef struct tfs_deferred tfs_deferred;
TFS_EXPORT tfs_deferred *tfs_defer(uint64_t req);
TFS_EXPORT int tfs_reply_open(tfs_deferred *d, const tfs_file_info *fi);
TFS_EXPORT int tfs_reply_err(tfs_deferred *d, int32_t err);
/* Answers a read with SIZE bytes of FD at OFF, read (spliced where it fits a pipe) before this returns. */
TFS_EXPORT int tfs_reply_fd(tfs_deferred *d, int32_t fd, uint64_t off, uint64_t size);
/* Requests taken and not yet answered (for tests and status). */
TFS_EXPORT uint64_t tfs_session_deferred(tfs_session *s);

/*
 * FUSE passthrough (kernel 6.9+; libfuse 3.14 does not know it, so the session's I/O adds it to the
 * INIT reply and to the open replies that ask for it). tfs_passthrough_ready: nonzero once INIT
 * agreed to it. tfs_backing_open registers FD with the kernel: returns a backing id (> 0) for an
 * open reply, or a negative errno. tfs_backing_close drops the id (the kernel keeps what is open).
 */
TFS_EXPORT int tfs_passthrough_ready(tfs_session *s);
TFS_EXPORT int32_t tfs_backing_open(tfs_session *s, int32_t fd);
TFS_EXPORT int tfs_backing_close(tfs_session *s, int32_t backing_id);

/* Size of each shared struct, so the managed mirrors can be checked (0 for an unknown id). */
TFS_EXPORT uint64_t tfs_abi_size(int32_t which);

#endif
