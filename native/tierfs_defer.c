/* Replies given later (see tfs_defer in tierfs_fuse.h): a waiting handler does not hold a FUSE thread. */
#include "tierfs_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tfs_deferred {
    fuse_req_t req; /* NULL once answered at session end */
    struct tfs_session *s;
    struct tfs_deferred *prev, *next;
};

/* The request the current handler took, so that the handler can tell whether its callback deferred. */
static __thread struct tfs_deferred *taken;

void tfs_defer_begin(void) { taken = NULL; }

static void unlink_locked(struct tfs_deferred *d)
{
    struct tfs_session *s = d->s;
    if (d->prev)
        d->prev->next = d->next;
    else
        s->deferred = d->next;
    if (d->next)
        d->next->prev = d->prev;
    d->prev = d->next = NULL;
    s->deferred_count--;
}

/* Takes the request out of the list for answering (caller holds the lock); NULL when it was already
   answered (at session end, or by its handler). The reply is written under the lock, so that
   tfs_defer_close cannot close the session in between. */
static fuse_req_t claim_locked(struct tfs_deferred *d)
{
    fuse_req_t req = d->req;
    if (req)
        unlink_locked(d);
    d->req = NULL;
    return req;
}

tfs_deferred *tfs_defer(uint64_t req)
{
    if (!req || taken)
        return NULL;
    fuse_req_t r = (fuse_req_t)(uintptr_t)req;
    struct tfs_session *s = fuse_req_userdata(r);
    struct tfs_deferred *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->req = r;
    d->s = s;
    pthread_mutex_lock(&s->defer_lock);
    if (s->defer_closed) {
        pthread_mutex_unlock(&s->defer_lock);
        free(d);
        return NULL;
    }
    d->next = s->deferred;
    if (d->next)
        d->next->prev = d;
    s->deferred = d;
    s->deferred_count++;
    pthread_mutex_unlock(&s->defer_lock);
    taken = d;
    return d;
}

int tfs_defer_taken(struct tfs_session *s, fuse_req_t req, int res)
{
    struct tfs_deferred *d = taken;
    taken = NULL;
    if (!d)
        return 0;
    if (res == TFS_REPLY_LATER)
        return 1;
    /* Taken, but answered now: the later reply finds the request gone and only frees it. */
    pthread_mutex_lock(&s->defer_lock);
    claim_locked(d);
    pthread_mutex_unlock(&s->defer_lock);
    return 0;
}

int tfs_reply_open(tfs_deferred *d, const tfs_file_info *in)
{
    if (!d)
        return -ESHUTDOWN;
    struct tfs_session *s = d->s;
    int res = -ESHUTDOWN;
    pthread_mutex_lock(&s->defer_lock);
    fuse_req_t req = claim_locked(d);
    if (req) {
        struct fuse_file_info fi;
        memset(&fi, 0, sizeof(fi));
        tfs_fi_out(in, &fi);
        tfs_passthrough_arm(in);
        res = fuse_reply_open(req, &fi) == -ENOENT ? -ENOENT : 0;
        tfs_passthrough_disarm();
    }
    pthread_mutex_unlock(&s->defer_lock);
    free(d);
    return res;
}

int tfs_reply_err(tfs_deferred *d, int32_t err)
{
    if (!d)
        return -ESHUTDOWN;
    struct tfs_session *s = d->s;
    pthread_mutex_lock(&s->defer_lock);
    fuse_req_t req = claim_locked(d);
    if (req)
        fuse_reply_err(req, err);
    pthread_mutex_unlock(&s->defer_lock);
    free(d);
    return req ? 0 : -ESHUTDOWN;
}

int tfs_reply_fd(tfs_deferred *d, int fd, uint64_t off, uint64_t size)
{
    if (!d)
        return -ESHUTDOWN;
    struct tfs_session *s = d->s;
    pthread_mutex_lock(&s->defer_lock);
    fuse_req_t req = claim_locked(d);
    int res = req ? tfs_reply_from_fd(req, fd, (off_t)off, (size_t)size) : -ESHUTDOWN;
    pthread_mutex_unlock(&s->defer_lock);
    free(d);
    return res;
}

uint64_t tfs_session_deferred(tfs_session *s)
{
    pthread_mutex_lock(&s->defer_lock);
    uint64_t n = s->deferred_count;
    pthread_mutex_unlock(&s->defer_lock);
    return n;
}

void tfs_defer_close(struct tfs_session *s)
{
    pthread_mutex_lock(&s->defer_lock);
    s->defer_closed = 1;
    while (s->deferred) {
        struct tfs_deferred *d = s->deferred;
        fuse_reply_err(claim_locked(d), EIO); /* d itself is freed by its later tfs_reply_* */
    }
    pthread_mutex_unlock(&s->defer_lock);
}
