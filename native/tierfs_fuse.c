/*
 * libfuse low-level callbacks: flatten the request into tierfs_fuse.h structs, call the managed
 * handler synchronously on this worker thread, and send the reply. No filesystem logic here.
 */
#include "tierfs_internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION(req) ((struct tfs_session *)fuse_req_userdata(req))

struct tfs_dirbuf {
    fuse_req_t req;
    char *buf;
    size_t size;
    size_t pos;
};

static void ctx_of(fuse_req_t req, tfs_ctx *c)
{
    const struct fuse_ctx *fc = fuse_req_ctx(req);
    c->uid = fc->uid;
    c->gid = fc->gid;
    c->pid = (uint32_t)fc->pid;
    c->umask = fc->umask;
    c->req = (uint64_t)(uintptr_t)req;
}

static void fi_in(const struct fuse_file_info *fi, tfs_file_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!fi)
        return;
    out->flags = fi->flags;
    out->fh = fi->fh;
    out->lock_owner = fi->lock_owner;
    out->bits = TFS_FI_PRESENT | (fi->writepage ? TFS_FI_WRITEPAGE : 0) | (fi->flush ? TFS_FI_FLUSH : 0) |
                (fi->flock_release ? TFS_FI_FLOCK_RELEASE : 0);
}

void tfs_fi_out(const tfs_file_info *in, struct fuse_file_info *fi)
{
    fi->fh = in->fh;
    fi->direct_io = (in->bits & TFS_FI_DIRECT_IO) != 0;
    fi->keep_cache = (in->bits & TFS_FI_KEEP_CACHE) != 0;
    fi->nonseekable = (in->bits & TFS_FI_NONSEEKABLE) != 0;
    fi->cache_readdir = (in->bits & TFS_FI_CACHE_READDIR) != 0;
    fi->noflush = (in->bits & TFS_FI_NOFLUSH) != 0;
}

static void attr_to_stat(const tfs_attr *a, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_ino = a->ino;
    st->st_mode = a->mode;
    st->st_nlink = a->nlink;
    st->st_uid = a->uid;
    st->st_gid = a->gid;
    st->st_rdev = a->rdev;
    st->st_size = (off_t)a->size;
    st->st_blksize = a->blksize;
    st->st_blocks = (blkcnt_t)a->blocks;
    st->st_atim.tv_sec = a->atime_sec;
    st->st_atim.tv_nsec = a->atime_nsec;
    st->st_mtim.tv_sec = a->mtime_sec;
    st->st_mtim.tv_nsec = a->mtime_nsec;
    st->st_ctim.tv_sec = a->ctime_sec;
    st->st_ctim.tv_nsec = a->ctime_nsec;
}

static void stat_to_attr(const struct stat *st, tfs_attr *a)
{
    memset(a, 0, sizeof(*a));
    a->ino = st->st_ino;
    a->mode = st->st_mode;
    a->nlink = (uint32_t)st->st_nlink;
    a->uid = st->st_uid;
    a->gid = st->st_gid;
    a->rdev = st->st_rdev;
    a->size = (uint64_t)st->st_size;
    a->blksize = (uint32_t)st->st_blksize;
    a->blocks = (uint64_t)st->st_blocks;
    a->atime_sec = st->st_atim.tv_sec;
    a->atime_nsec = st->st_atim.tv_nsec;
    a->mtime_sec = st->st_mtim.tv_sec;
    a->mtime_nsec = st->st_mtim.tv_nsec;
    a->ctime_sec = st->st_ctim.tv_sec;
    a->ctime_nsec = st->st_ctim.tv_nsec;
}

static void entry_to_param(const tfs_entry *e, struct fuse_entry_param *p)
{
    memset(p, 0, sizeof(*p));
    p->ino = e->ino;
    p->generation = e->generation;
    p->attr_timeout = e->attr_timeout;
    p->entry_timeout = e->entry_timeout;
    attr_to_stat(&e->attr, &p->attr);
}

static void reply_entry(fuse_req_t req, int res, const tfs_entry *e)
{
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    struct fuse_entry_param p;
    entry_to_param(e, &p);
    fuse_reply_entry(req, &p);
}

static void reply_status(fuse_req_t req, int res)
{
    fuse_reply_err(req, res < 0 ? -res : 0);
}

/* One reusable read buffer per worker thread: no allocation per read. */
static pthread_key_t read_buf_key;
static pthread_once_t read_buf_once = PTHREAD_ONCE_INIT;
struct read_buf {
    size_t size;
    char data[];
};
static void read_buf_key_init(void) { pthread_key_create(&read_buf_key, free); }
static void *thread_read_buf(size_t size)
{
    pthread_once(&read_buf_once, read_buf_key_init);
    struct read_buf *b = pthread_getspecific(read_buf_key);
    if (b && b->size >= size)
        return b->data;
    free(b);
    b = malloc(sizeof(*b) + size);
    if (!b) {
        pthread_setspecific(read_buf_key, NULL);
        return NULL;
    }
    b->size = size;
    pthread_setspecific(read_buf_key, b);
    return b->data;
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
    struct tfs_session *s = userdata;
    conn->want |= s->opts.want_caps & conn->capable;
    conn->want &= ~s->opts.unwant_caps;
    if (s->opts.max_write)
        conn->max_write = s->opts.max_write;
    if (s->opts.max_readahead)
        conn->max_readahead = s->opts.max_readahead;
    if (s->max_read)
        conn->max_read = s->max_read;
    if (s->opts.max_background)
        conn->max_background = s->opts.max_background;
    if (s->opts.congestion_threshold)
        conn->congestion_threshold = s->opts.congestion_threshold;
    if (s->opts.time_gran)
        conn->time_gran = s->opts.time_gran;
    tfs_conn c = {conn->proto_major, conn->proto_minor, conn->capable, conn->want, conn->max_write,
                  conn->max_readahead, conn->max_background, conn->congestion_threshold, conn->time_gran,
                  (uint32_t)tfs_passthrough_asked(s)};
    if (s->ops.init)
        s->ops.init(s->ud, &c);
    tfs_passthrough_init_reply(s); /* last: the next thing this thread sends is the INIT reply */
}

static void ll_destroy(void *userdata)
{
    struct tfs_session *s = userdata;
    if (s->ops.destroy)
        s->ops.destroy(s->ud);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_entry e;
    ctx_of(req, &c);
    memset(&e, 0, sizeof(e));
    int res = s->ops.lookup(s->ud, &c, parent, name, &e);
    reply_entry(req, res, &e);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
    struct tfs_session *s = SESSION(req);
    s->ops.forget(s->ud, ino, nlookup);
    fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
    struct tfs_session *s = SESSION(req);
    for (size_t i = 0; i < count; i++)
        s->ops.forget(s->ud, forgets[i].ino, forgets[i].nlookup);
    fuse_reply_none(req);
}

static void reply_attr(fuse_req_t req, int res, const tfs_attr *a, double timeout)
{
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    struct stat st;
    attr_to_stat(a, &st);
    fuse_reply_attr(req, &st, timeout);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    tfs_attr a;
    double timeout = 0;
    ctx_of(req, &c);
    fi_in(fi, &f);
    memset(&a, 0, sizeof(a));
    int res = s->ops.getattr(s->ud, &c, ino, &f, &a, &timeout);
    reply_attr(req, res, &a, timeout);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    tfs_attr in, out;
    double timeout = 0;
    ctx_of(req, &c);
    fi_in(fi, &f);
    stat_to_attr(attr, &in);
    memset(&out, 0, sizeof(out));
    int res = s->ops.setattr(s->ud, &c, ino, &in, to_set, &f, &out, &timeout);
    reply_attr(req, res, &out, timeout);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    char buf[PATH_MAX + 1];
    ctx_of(req, &c);
    int res = s->ops.readlink(s->ud, &c, ino, buf, sizeof(buf) - 1);
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    if ((size_t)res >= sizeof(buf) - 1) {
        fuse_reply_err(req, ENAMETOOLONG);
        return;
    }
    buf[res] = '\0';
    fuse_reply_readlink(req, buf);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_entry e;
    ctx_of(req, &c);
    memset(&e, 0, sizeof(e));
    reply_entry(req, s->ops.mknod(s->ud, &c, parent, name, mode, rdev, &e), &e);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_entry e;
    ctx_of(req, &c);
    memset(&e, 0, sizeof(e));
    reply_entry(req, s->ops.mkdir(s->ud, &c, parent, name, mode, &e), &e);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.unlink(s->ud, &c, parent, name));
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.rmdir(s->ud, &c, parent, name));
}

static void ll_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_entry e;
    ctx_of(req, &c);
    memset(&e, 0, sizeof(e));
    reply_entry(req, s->ops.symlink(s->ud, &c, target, parent, name, &e), &e);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent, const char *newname,
                      unsigned int flags)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.rename(s->ud, &c, parent, name, newparent, newname, flags));
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_entry e;
    ctx_of(req, &c);
    memset(&e, 0, sizeof(e));
    reply_entry(req, s->ops.link(s->ud, &c, ino, newparent, newname, &e), &e);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    tfs_defer_begin();
    int res = s->ops.open(s->ud, &c, ino, &f);
    if (tfs_defer_taken(s, req, res))
        return; /* answered later (tfs_reply_open) */
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    tfs_fi_out(&f, fi);
    tfs_passthrough_arm(&f);
    int sent = fuse_reply_open(req, fi);
    tfs_passthrough_disarm();
    if (sent == -ENOENT) {
        /* The opener was interrupted: nobody will release this handle. */
        s->ops.release(s->ud, &c, ino, &f);
    }
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    tfs_entry e;
    ctx_of(req, &c);
    fi_in(fi, &f);
    memset(&e, 0, sizeof(e));
    int res = s->ops.create(s->ud, &c, parent, name, mode, &f, &e);
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    tfs_fi_out(&f, fi);
    struct fuse_entry_param p;
    entry_to_param(&e, &p);
    tfs_passthrough_arm(&f);
    int sent = fuse_reply_create(req, &p, fi);
    tfs_passthrough_disarm();
    if (sent == -ENOENT) {
        s->ops.release(s->ud, &c, e.ino, &f);
        s->ops.forget(s->ud, e.ino, 1);
    }
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    tfs_read_reply r = {thread_read_buf(size), -1, 0, 0};
    if (!r.buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    tfs_defer_begin();
    int res = s->ops.read(s->ud, &c, ino, size, off, &f, &r);
    if (tfs_defer_taken(s, req, res))
        return; /* answered later (tfs_reply_fd) */
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    if (r.fd >= 0) {
        tfs_reply_from_fd(req, r.fd, r.fd_offset, size);
        return;
    }
    fuse_reply_buf(req, r.buf, (size_t)res);
}

int tfs_reply_from_fd(fuse_req_t req, int fd, off_t off, size_t size)
{
    if (size == 0)
        return fuse_reply_buf(req, NULL, 0);
    if (size > tfs_splice_limit) {
        /* Too big for a pipe: libfuse would malloc, read and free a buffer per request; read
           into this thread's buffer instead. */
        void *buf = thread_read_buf(size);
        if (!buf)
            return fuse_reply_err(req, ENOMEM);
        ssize_t n = pread(fd, buf, size, off);
        return n < 0 ? fuse_reply_err(req, errno) : fuse_reply_buf(req, buf, (size_t)n);
    }
    struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);
    bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    bv.buf[0].fd = fd;
    bv.buf[0].pos = off;
    return fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
                     struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    int res = s->ops.write(s->ud, &c, ino, buf, size, off, &f);
    if (res < 0)
        fuse_reply_err(req, -res);
    else
        fuse_reply_write(req, (size_t)res);
}

#define FI_OP(fn, field)                                                                                     \
    static void fn(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)                               \
    {                                                                                                        \
        struct tfs_session *s = SESSION(req);                                                                \
        tfs_ctx c;                                                                                           \
        tfs_file_info f;                                                                                     \
        ctx_of(req, &c);                                                                                     \
        fi_in(fi, &f);                                                                                       \
        reply_status(req, s->ops.field(s->ud, &c, ino, &f));                                                 \
    }
FI_OP(ll_flush, flush)
FI_OP(ll_release, release)
FI_OP(ll_releasedir, releasedir)

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    reply_status(req, s->ops.fsync(s->ud, &c, ino, datasync, &f));
}

static void ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    reply_status(req, s->ops.fsyncdir(s->ud, &c, ino, datasync, &f));
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    int res = s->ops.opendir(s->ud, &c, ino, &f);
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    tfs_fi_out(&f, fi);
    if (fuse_reply_open(req, fi) == -ENOENT)
        s->ops.releasedir(s->ud, &c, ino, &f);
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi, int plus)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    struct tfs_dirbuf db = {req, malloc(size), size, 0};
    if (!db.buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    int res = s->ops.readdir(s->ud, &c, ino, off, &f, &db, plus);
    /* Entries already added stand even if a later one failed: the kernel asks again from there. */
    if (res < 0 && db.pos == 0)
        fuse_reply_err(req, -res);
    else
        fuse_reply_buf(req, db.buf, db.pos);
    free(db.buf);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, 0);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    do_readdir(req, ino, size, off, fi, 1);
}

int tfs_dirbuf_add(tfs_dirbuf *db, const char *name, const tfs_attr *attr, int64_t next_off)
{
    struct stat st;
    attr_to_stat(attr, &st);
    size_t need = fuse_add_direntry(db->req, NULL, 0, name, NULL, 0);
    if (db->pos + need > db->size)
        return 0;
    fuse_add_direntry(db->req, db->buf + db->pos, db->size - db->pos, name, &st, next_off);
    db->pos += need;
    return 1;
}

int tfs_dirbuf_add_plus(tfs_dirbuf *db, const char *name, const tfs_entry *e, int64_t next_off)
{
    struct fuse_entry_param p;
    entry_to_param(e, &p);
    size_t need = fuse_add_direntry_plus(db->req, NULL, 0, name, NULL, 0);
    if (db->pos + need > db->size)
        return 0;
    fuse_add_direntry_plus(db->req, db->buf + db->pos, db->size - db->pos, name, &p, next_off);
    db->pos += need;
    return 1;
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_statvfs v;
    ctx_of(req, &c);
    memset(&v, 0, sizeof(v));
    int res = s->ops.statfs(s->ud, &c, ino, &v);
    if (res < 0) {
        fuse_reply_err(req, -res);
        return;
    }
    struct statvfs st;
    memset(&st, 0, sizeof(st));
    st.f_bsize = v.bsize;
    st.f_frsize = v.frsize;
    st.f_blocks = v.blocks;
    st.f_bfree = v.bfree;
    st.f_bavail = v.bavail;
    st.f_files = v.files;
    st.f_ffree = v.ffree;
    st.f_favail = v.favail;
    st.f_fsid = v.fsid;
    st.f_flag = v.flag;
    st.f_namemax = v.namemax;
    fuse_reply_statfs(req, &st);
}

static void ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size, int flags)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.setxattr(s->ud, &c, ino, name, value, size, flags));
}

/* getxattr/listxattr: size 0 asks for the length only. */
static void reply_xattr_result(fuse_req_t req, int res, size_t size, const void *buf)
{
    if (res < 0)
        fuse_reply_err(req, -res);
    else if (size == 0)
        fuse_reply_xattr(req, (size_t)res);
    else if ((size_t)res > size)
        fuse_reply_err(req, ERANGE);
    else
        fuse_reply_buf(req, buf, (size_t)res);
}

static void ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    void *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    reply_xattr_result(req, s->ops.getxattr(s->ud, &c, ino, name, buf, size), size, buf);
    free(buf);
}

static void ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    char *buf = size ? malloc(size) : NULL;
    if (size && !buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    reply_xattr_result(req, s->ops.listxattr(s->ud, &c, ino, buf, size), size, buf);
    free(buf);
}

static void ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.removexattr(s->ud, &c, ino, name));
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    ctx_of(req, &c);
    reply_status(req, s->ops.access(s->ud, &c, ino, mask));
}

static void ll_flock(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, int op)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    reply_status(req, s->ops.flock(s->ud, &c, ino, &f, op));
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    reply_status(req, s->ops.fallocate(s->ud, &c, ino, mode, off, len, &f));
}

static void ll_lseek(fuse_req_t req, fuse_ino_t ino, off_t off, int whence, struct fuse_file_info *fi)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info f;
    ctx_of(req, &c);
    fi_in(fi, &f);
    int64_t res = s->ops.lseek(s->ud, &c, ino, off, whence, &f);
    if (res < 0)
        fuse_reply_err(req, (int)-res);
    else
        fuse_reply_lseek(req, res);
}

static void ll_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in, struct fuse_file_info *fi_in_,
                               fuse_ino_t ino_out, off_t off_out, struct fuse_file_info *fi_out_, size_t len,
                               int flags)
{
    struct tfs_session *s = SESSION(req);
    tfs_ctx c;
    tfs_file_info fin, fout;
    ctx_of(req, &c);
    fi_in(fi_in_, &fin);
    fi_in(fi_out_, &fout);
    int64_t res = s->ops.copy_file_range(s->ud, &c, ino_in, off_in, &fin, ino_out, off_out, &fout, len, flags);
    if (res < 0)
        fuse_reply_err(req, (int)-res);
    else
        fuse_reply_write(req, (size_t)res);
}

const struct fuse_lowlevel_ops tfs_ll_ops = {
    .init = ll_init,
    .destroy = ll_destroy,
    .lookup = ll_lookup,
    .forget = ll_forget,
    .forget_multi = ll_forget_multi,
    .getattr = ll_getattr,
    .setattr = ll_setattr,
    .readlink = ll_readlink,
    .mknod = ll_mknod,
    .mkdir = ll_mkdir,
    .unlink = ll_unlink,
    .rmdir = ll_rmdir,
    .symlink = ll_symlink,
    .rename = ll_rename,
    .link = ll_link,
    .open = ll_open,
    .read = ll_read,
    .write = ll_write,
    .flush = ll_flush,
    .release = ll_release,
    .fsync = ll_fsync,
    .opendir = ll_opendir,
    .readdir = ll_readdir,
    .readdirplus = ll_readdirplus,
    .releasedir = ll_releasedir,
    .fsyncdir = ll_fsyncdir,
    .statfs = ll_statfs,
    .setxattr = ll_setxattr,
    .getxattr = ll_getxattr,
    .listxattr = ll_listxattr,
    .removexattr = ll_removexattr,
    .access = ll_access,
    .create = ll_create,
    .flock = ll_flock,
    .fallocate = ll_fallocate,
    .lseek = ll_lseek,
    .copy_file_range = ll_copy_file_range,
};

uint64_t tfs_abi_size(int32_t which)
{
    switch (which) {
    case 0: return sizeof(tfs_attr);
    case 1: return sizeof(tfs_entry);
    case 2: return sizeof(tfs_file_info);
    case 3: return sizeof(tfs_ctx);
    case 4: return sizeof(tfs_statvfs);
    case 5: return sizeof(tfs_read_reply);
    case 6: return sizeof(tfs_conn);
    case 7: return sizeof(tfs_options);
    case 8: return sizeof(tfs_ops);
    default: return 0;
    }
}
