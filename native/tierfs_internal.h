/* Shared between the callback table and the session code; not part of the managed ABI. */
#ifndef TIERFS_INTERNAL_H
#define TIERFS_INTERNAL_H

#include <fuse_lowlevel.h>
#include <pthread.h>
#include "tierfs_fuse.h"

struct tfs_session {
    struct fuse_session *se;
    tfs_ops ops;
    tfs_ud ud;
    tfs_options opts;
    int mounted;
    pthread_mutex_t defer_lock; /* guards the list below and each entry's req */
    struct tfs_deferred *deferred; /* requests taken by tfs_defer, not yet answered */
    uint64_t deferred_count;
    int defer_closed;
    int kernel_offers_passthrough; /* seen in the kernel's INIT request */
    int passthrough;               /* the INIT reply asked for it */
    uint32_t max_read;             /* the kernel's read size capped to what a pipe holds; 0: not capped */
};

/* Called by a handler after its callback returned: whether the callback took the request (and
   returned TFS_REPLY_LATER). A request taken by a callback that then returned anything else is
   given back here (the handler answers it), so that it is never answered twice. */
int tfs_defer_taken(struct tfs_session *s, fuse_req_t req, int res);
void tfs_defer_begin(void);
/* fuse_file_info's output bits from the flat form. */
void tfs_fi_out(const tfs_file_info *in, struct fuse_file_info *fi);
/* At session end, before the connection closes: answers every waiting request EIO. */
void tfs_defer_close(struct tfs_session *s);

extern const struct fuse_lowlevel_ops tfs_ll_ops;

/* Answers a read with SIZE bytes of FD at OFF: spliced when it fits in a pipe, else read into this
   thread's buffer. */
int tfs_reply_from_fd(fuse_req_t req, int fd, off_t off, size_t size);

/* Largest read answered by splicing: a reply must fit in one pipe, with libfuse's slack
   (tierfs_session.c). */
extern size_t tfs_splice_limit;

/* Passthrough (tierfs_passthrough.c). Installs the session's I/O hooks; call after fuse_session_mount. */
int tfs_passthrough_install(struct tfs_session *s);
/* Whether the INIT reply asks for passthrough: wanted, and offered by the kernel. */
int tfs_passthrough_asked(const struct tfs_session *s);
/* In the INIT handler: the reply this thread sends next asks for passthrough (if asked). */
void tfs_passthrough_init_reply(struct tfs_session *s);
/* Around an open or create reply: the open_out this thread sends next carries FI's backing id. */
void tfs_passthrough_arm(const tfs_file_info *fi);
void tfs_passthrough_disarm(void);

#endif
