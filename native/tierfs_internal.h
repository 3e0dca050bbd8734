/* Shared between the callback table and the session code; not part of the managed ABI. */
#ifndef TIERFS_INTERNAL_H
#define TIERFS_INTERNAL_H

#include <fuse_lowlevel.h>
#include "tierfs_fuse.h"

struct tfs_session {
    struct fuse_session *se;
    tfs_ops ops;
    tfs_ud ud;
    tfs_options opts;
    int mounted;
};

extern const struct fuse_lowlevel_ops tfs_ll_ops;

/* Largest read answered by splicing: a reply must fit in one pipe (see tfs_session_new). */
extern size_t tfs_splice_limit;

#endif
