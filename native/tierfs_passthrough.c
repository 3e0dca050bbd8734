/*
 * FUSE passthrough on libfuse 3.14, which predates it: the session's I/O hooks add FUSE_PASSTHROUGH
 * to the INIT reply when the kernel offered it, and a backing id to the open replies that carry one.
 * The kernel then serves those files' reads, writes and mmap from the backing file itself, with no
 * request to the daemon. Layouts and numbers are the kernel's (include/uapi/linux/fuse.h, 7.40+),
 * which the system headers here do not have yet.
 */
#include "tierfs_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define K_FUSE_INIT 26
#define K_IN_HEADER 40          /* struct fuse_in_header */
#define K_OUT_HEADER 16         /* struct fuse_out_header */
#define K_INIT_EXT (1u << 30)   /* flags: flags2 is valid */
#define K_PASSTHROUGH2 (1u << 5) /* flags2: FUSE_PASSTHROUGH (bit 37) */
#define K_OPEN_OUT 16           /* struct fuse_open_out: fh, open_flags, backing_id */
#define K_ENTRY_OUT 128         /* struct fuse_entry_out, before the open_out of a create reply */
#define K_FOPEN_PASSTHROUGH (1u << 7)

struct k_backing_map {
    int32_t fd;
    uint32_t flags;
    uint64_t padding;
};
#define K_IOC_BACKING_OPEN _IOW(229, 1, struct k_backing_map)
#define K_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* Set on the thread that sends the reply (libfuse writes a reply on the thread that gives it). */
static __thread struct tfs_session *init_reply;
static __thread int32_t armed_backing;

static uint32_t u32_at(const void *p, size_t off)
{
    uint32_t v;
    memcpy(&v, (const char *)p + off, sizeof(v));
    return v;
}

static void put_u32(void *p, size_t off, uint32_t v) { memcpy((char *)p + off, &v, sizeof(v)); }

static int ok_reply(const struct iovec *iov, int count)
{
    if (count != 2 || iov[0].iov_len != K_OUT_HEADER)
        return 0;
    int32_t error;
    memcpy(&error, (const char *)iov[0].iov_base + 4, sizeof(error));
    return error == 0;
}

static ssize_t hook_writev(int fd, struct iovec *iov, int count, void *userdata)
{
    struct tfs_session *s = init_reply;
    if (s) {
        init_reply = NULL;
        /* fuse_init_out: flags at 12, flags2 at 32, max_stack_depth at 36. */
        if (ok_reply(iov, count) && iov[1].iov_len >= 40 && iov[1].iov_len <= 256) {
            char out[256];
            memcpy(out, iov[1].iov_base, iov[1].iov_len);
            put_u32(out, 12, u32_at(out, 12) | K_INIT_EXT);
            put_u32(out, 32, u32_at(out, 32) | K_PASSTHROUGH2);
            put_u32(out, 36, 1); /* backing files sit on a filesystem that stacks on nothing */
            struct iovec v[2] = {iov[0], {out, iov[1].iov_len}};
            ssize_t res = writev(fd, v, 2);
            if (res >= 0)
                s->passthrough = 1;
            return res;
        }
    }
    int32_t id = armed_backing;
    if (id > 0 && ok_reply(iov, count) &&
        (iov[1].iov_len == K_OPEN_OUT || iov[1].iov_len == K_ENTRY_OUT + K_OPEN_OUT)) {
        armed_backing = 0;
        char out[K_ENTRY_OUT + K_OPEN_OUT];
        size_t len = iov[1].iov_len;
        memcpy(out, iov[1].iov_base, len);
        size_t open_out = len - K_OPEN_OUT;
        put_u32(out, open_out + 8, u32_at(out, open_out + 8) | K_FOPEN_PASSTHROUGH);
        put_u32(out, open_out + 12, (uint32_t)id);
        struct iovec v[2] = {iov[0], {out, len}};
        return writev(fd, v, 2);
    }
    return writev(fd, iov, count);
}

static ssize_t hook_read(int fd, void *buf, size_t len, void *userdata)
{
    struct tfs_session *s = userdata;
    ssize_t n = read(fd, buf, len);
    /* fuse_init_in after the header: flags at 12, flags2 at 16. */
    if (n >= K_IN_HEADER + 20 && u32_at(buf, 4) == K_FUSE_INIT) {
        uint32_t flags = u32_at(buf, K_IN_HEADER + 12), flags2 = u32_at(buf, K_IN_HEADER + 16);
        s->kernel_offers_passthrough = (flags & K_INIT_EXT) && (flags2 & K_PASSTHROUGH2);
    }
    return n;
}

static ssize_t hook_splice_receive(int fdin, off_t *offin, int fdout, off_t *offout, size_t len, unsigned int flags,
                                   void *userdata)
{
    return splice(fdin, offin, fdout, offout, len, flags);
}

static ssize_t hook_splice_send(int fdin, off_t *offin, int fdout, off_t *offout, size_t len, unsigned int flags,
                                void *userdata)
{
    return splice(fdin, offin, fdout, offout, len, flags);
}

int tfs_passthrough_install(struct tfs_session *s)
{
    const struct fuse_custom_io io = {
        .writev = hook_writev,
        .read = hook_read,
        .splice_receive = hook_splice_receive,
        .splice_send = hook_splice_send,
    };
    return fuse_session_custom_io(s->se, &io, fuse_session_fd(s->se));
}

int tfs_passthrough_asked(const struct tfs_session *s) { return s->opts.passthrough && s->kernel_offers_passthrough; }

void tfs_passthrough_init_reply(struct tfs_session *s)
{
    if (tfs_passthrough_asked(s))
        init_reply = s;
}

void tfs_passthrough_arm(const tfs_file_info *fi)
{
    armed_backing = (fi->bits & TFS_FI_PASSTHROUGH) && fi->backing_id > 0 ? fi->backing_id : 0;
}

void tfs_passthrough_disarm(void) { armed_backing = 0; }

int tfs_passthrough_ready(tfs_session *s) { return s->passthrough; }

int32_t tfs_backing_open(tfs_session *s, int32_t fd)
{
    if (!s->passthrough)
        return -EOPNOTSUPP;
    struct k_backing_map map = {.fd = fd};
    int id = ioctl(fuse_session_fd(s->se), K_IOC_BACKING_OPEN, &map);
    return id > 0 ? id : id == 0 ? -EIO : -errno;
}

int tfs_backing_close(tfs_session *s, int32_t backing_id)
{
    uint32_t id = (uint32_t)backing_id;
    return ioctl(fuse_session_fd(s->se), K_IOC_BACKING_CLOSE, &id) == 0 ? 0 : -errno;
}
