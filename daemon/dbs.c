/* dbs.c - the databases one daemon serves (see dbs.h). Loop thread, but
 * for the work functions (*_work), which run on libuv's thread pool and
 * touch only their work item and the store it carries. */
#include "dbs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/dbname.h"
#include "../common/frame.h"
#include "../common/jsonesc.h"
#include "../common/log.h"
#include "../common/protocol.h"
#include "dbdir.h"
#include "store_share.h"

enum db_state {
    DB_CLOSED,
    DB_OPENING,
    DB_OPEN,
    DB_CLOSING,    /* the writer lets go, then the store closes */
    DB_RESTORING,  /* the name is taken while a checkpoint is copied in */
};

static const char *state_name(int s)
{
    switch (s) {
    case DB_CLOSED: return "closed";
    case DB_OPENING: return "opening";
    case DB_OPEN: return "open";
    case DB_CLOSING: return "closing";
    default: return "restoring";
    }
}

struct db {
    struct db *next;
    dbs *ds;
    char name[PT_DBNAME_MAX + 1];
    char *dir;
    int is_default;
    int state;
    store *s;
    jobdb jd;
    uint64_t holds;            /* reads and admin requests */
    uint64_t last_used_ns;
    db_wait *waiters;          /* wait for it to open */
    dbs_admin *drop;           /* a drop waiting for the close */
    int create_pending;        /* a waiter asked for it to be created */
    uint64_t rows;             /* RocksDB's estimate when it last closed */
    int rows_known;
};

struct dbs_admin {
    dbs *ds;
    int op;
    dbs_admin_cb cb;
    void *ud;
    int detached;
    char name[PT_DBNAME_MAX + 1];
    char *dir;
    db_wait wait;
    db *d;                     /* held, for a checkpoint or a create */
    int existed;
};

struct dbs {
    uv_loop_t *loop;
    pt_config cfg;
    jobs *js;
    dbs_env env;
    uint64_t *inflight;
    dbs_limits lim;
    store_share *share;
    char *root;                /* data_dir/databases */
    db *list;                  /* default first */
    uint64_t seq;              /* unique suffixes of temporary names */
    dbs_stats st;
};

enum work_kind { W_OPEN, W_CLOSE, W_REMOVE, W_CHECKPOINT, W_RESTORE, W_LIST, W_ANSWER };

typedef struct list_entry {
    char name[PT_DBNAME_MAX + 1];
    const char *state;
    char *dir;
    store *s;                  /* held open for the walk, or NULL */
    db *d;
    int is_default;
    uint64_t rows, bytes;
    int rows_known;
} list_entry;

typedef struct work {
    uv_work_t req;
    dbs *ds;
    int kind;
    db *d;
    dbs_admin *admin;
    pt_config cfg;
    int has_cfg;
    int create;
    int drop;
    store *s;
    char *path, *path2;
    dbdir_stats st;
    uint64_t rows;             /* W_CLOSE: the estimate as it closed */
    int rows_known;
    list_entry *entries;
    size_t nentries;
    int r;
    int code;                  /* W_ANSWER: what to tell */
    char msg[1024];
} work;

static void start_open(db *d);
static void start_close(db *d);
static void admin_answer(dbs_admin *a, int code, const char *text);
static void json_start(pt_buf *b, const char *name);
static void answer_buf(dbs_admin *a, pt_buf *b);

/* --- small things --------------------------------------------------------- */

static db *find(dbs *ds, const char *name)
{
    for (db *d = ds->list; d; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static db *new_db(dbs *ds, const char *name)
{
    char dirname[PT_DBNAME_DIR_SIZE];
    db *d = calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->ds = ds;
    d->is_default = strcmp(name, PT_DB_DEFAULT) == 0;
    if (d->is_default)
        d->dir = strdup(ds->cfg.data_dir);
    else if (pt_dbname_dir(name, dirname, sizeof(dirname)) == 0)
        d->dir = dbdir_join(ds->root, dirname);
    if (!d->dir) {
        free(d);
        return NULL;
    }
    d->jd.name = d->name;
    d->state = DB_CLOSED;
    /* after the default, in no particular order */
    if (ds->list) {
        d->next = ds->list->next;
        ds->list->next = d;
    } else {
        ds->list = d;
    }
    ds->st.known++;
    return d;
}

static void unlink_db(dbs *ds, db *d)
{
    for (db **pp = &ds->list; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    ds->st.known--;
    jobrecs_free(&d->jd.recs);
    free(d->dir);
    free(d);
}

static int is_open(const db *d)
{
    return d->state == DB_OPEN || d->state == DB_OPENING || d->state == DB_CLOSING;
}

static uint64_t count_open(const dbs *ds)
{
    uint64_t n = 0;

    for (const db *d = ds->list; d; d = d->next)
        n += is_open(d);
    return n;
}

static int idle(const db *d)
{
    return d->state == DB_OPEN && !d->is_default && !d->holds && !d->jd.held && !d->drop;
}

/* --- work on the thread pool ------------------------------------------- */

static void work_run(uv_work_t *req);
static void work_after(uv_work_t *req, int status);

static work *new_work(dbs *ds, int kind, db *d)
{
    work *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->ds = ds;
    w->kind = kind;
    w->d = d;
    w->req.data = w;
    return w;
}

static int queue_work(work *w)
{
    int r = uv_queue_work(w->ds->loop, &w->req, work_run, work_after);

    if (r == 0)
        (*w->ds->inflight)++;
    return r;
}

static void free_work(work *w)
{
    if (w->has_cfg)
        config_free(&w->cfg);
    for (size_t i = 0; i < w->nentries; i++)
        free(w->entries[i].dir);
    free(w->entries);
    free(w->path);
    free(w->path2);
    free(w);
}

static void open_work(work *w)
{
    pt_diag diag;

    if (!w->create && !dbdir_exists(w->path)) {
        w->r = -ENOENT;
        snprintf(w->msg, sizeof(w->msg), "its directory %s is gone", w->path);
        return;
    }
    diag_init(&diag);
    w->r = store_open_at(&w->s, &w->cfg, w->path, w->ds->share, &diag);
    if (w->r == 0) {
        w->d->jd.s = w->s; /* the loop does not read it while DB_OPENING */
        w->r = jobs_load_records(&w->d->jd, w->cfg.job_retention_ms, &diag);
    }
    if (w->r < 0)
        snprintf(w->msg, sizeof(w->msg), "%s", diag_text(&diag));
    diag_free(&diag);
}

/* Close the store; for a drop, move its directory out of the registry's
 * sight at once (a rename) so the call returns quickly, measuring what
 * the removal will free. */
static void close_work(work *w)
{
    /* what `db list` says of it while closed */
    if (w->s && store_property_u64(w->s, "rocksdb.estimate-num-keys", 1, &w->rows) == 0)
        w->rows_known = 1;
    store_close(w->s);
    w->s = NULL;
    if (!w->drop)
        return;
    dbdir_measure(w->path, NULL, &w->st, w->msg, sizeof(w->msg));
    w->r = dbdir_rename(w->path, w->path2, w->msg, sizeof(w->msg));
}

static void checkpoint_work(work *w)
{
    char err[512];

    if (dbdir_exists(w->path)) {
        w->r = -EEXIST;
        snprintf(w->msg, sizeof(w->msg), "%s exists: a checkpoint goes into a new directory",
                 w->path);
        return;
    }
    if ((w->r = store_checkpoint(w->s, w->path, err, sizeof(err))) < 0) {
        snprintf(w->msg, sizeof(w->msg), "checkpoint into %s failed: %s", w->path, err);
        return;
    }
    w->r = dbdir_measure(w->path, NULL, &w->st, w->msg, sizeof(w->msg));
}

/* Copy the checkpoint in under a temporary name, open it once (RocksDB
 * checks it, and makes the column families a checkpoint from an older
 * configuration lacks), then give it its name with one rename. */
static void restore_work(work *w)
{
    char tmp[64];
    char *tdir;
    pt_diag diag;
    store *s = NULL;

    if (!dbdir_exists(w->path)) {
        w->r = -ENOENT;
        snprintf(w->msg, sizeof(w->msg), "%s does not exist", w->path);
        return;
    }
    snprintf(tmp, sizeof(tmp), ".restore-%llu-%llu", (unsigned long long)time(NULL),
             (unsigned long long)w->ds->seq);
    if (!(tdir = dbdir_join(w->ds->root, tmp))) {
        w->r = -ENOMEM;
        return;
    }
    if ((w->r = dbdir_copy(w->path, tdir, &w->st, w->msg, sizeof(w->msg))) < 0)
        goto fail;
    {
        char *cur = dbdir_join(tdir, "CURRENT");
        int ok = cur && dbdir_exists(cur);
        free(cur);
        if (!ok) {
            w->r = -EINVAL;
            snprintf(w->msg, sizeof(w->msg), "%s is not a RocksDB checkpoint (no CURRENT file)",
                     w->path);
            goto fail;
        }
    }
    diag_init(&diag);
    w->r = store_open_at(&s, &w->cfg, tdir, w->ds->share, &diag);
    if (w->r < 0)
        snprintf(w->msg, sizeof(w->msg), "%s does not open as a database: %s", w->path,
                 diag_text(&diag));
    diag_free(&diag);
    store_close(s);
    if (w->r < 0)
        goto fail;
    if ((w->r = dbdir_rename(tdir, w->path2, w->msg, sizeof(w->msg))) < 0)
        goto fail;
    free(tdir);
    return;
fail:
    {
        char e[256];
        dbdir_remove(tdir, e, sizeof(e));
    }
    free(tdir);
}

static void list_work(work *w)
{
    char err[256];

    for (size_t i = 0; i < w->nentries; i++) {
        list_entry *e = &w->entries[i];
        dbdir_stats st = {0};
        /* the default database's directory holds the others' */
        if (dbdir_measure(e->dir, e->is_default ? "databases" : NULL, &st, err, sizeof(err)) == 0)
            e->bytes = st.bytes;
        if (e->s && store_property_u64(e->s, "rocksdb.estimate-num-keys", 1, &e->rows) == 0)
            e->rows_known = 1;
    }
}

static void work_run(uv_work_t *req)
{
    work *w = req->data;
    char err[512];

    switch (w->kind) {
    case W_OPEN: open_work(w); break;
    case W_CLOSE: close_work(w); break;
    case W_REMOVE:
        w->r = dbdir_remove(w->path, err, sizeof(err));
        if (w->r < 0)
            snprintf(w->msg, sizeof(w->msg), "%s", err);
        break;
    case W_CHECKPOINT: checkpoint_work(w); break;
    case W_RESTORE: restore_work(w); break;
    case W_LIST: list_work(w); break;
    default: break;
    }
}

/* --- opening ------------------------------------------------------------- */

static void tell_waiters(db *d, int code, const char *msg)
{
    db_wait *w;

    while ((w = d->waiters)) {
        d->waiters = w->next;
        w->next = NULL;
        if (code == 0)
            d->holds++;
        w->ready(w, code == 0 ? d : NULL, code, msg);
    }
}

static void open_after(work *w)
{
    db *d = w->d;
    dbs *ds = w->ds;

    d->create_pending = 0;
    if (w->r < 0) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "database %s: cannot open %s: %s", d->name, d->dir, w->msg);
        log_error("%s", msg);
        d->state = DB_CLOSED;
        d->jd.s = NULL;
        jobrecs_free(&d->jd.recs);
        tell_waiters(d, w->r == -ENOENT ? PT_ERR_NO_DATABASE : PT_ERR_STORE, msg);
        if (!dbdir_exists(d->dir))
            unlink_db(ds, d);
        return;
    }
    d->s = d->jd.s = w->s;
    d->state = DB_OPEN;
    d->last_used_ns = pt_now_ns();
    ds->st.opened++;
    jobs_attach(ds->js, &d->jd);
    log_info("database %s: open (%s)", d->name, d->dir);
    tell_waiters(d, 0, NULL);
}

static void start_open(db *d)
{
    dbs *ds = d->ds;
    work *w = new_work(ds, W_OPEN, d);

    if (!w || !(w->path = strdup(d->dir)) || config_clone(&w->cfg, &ds->cfg) < 0) {
        if (w)
            free_work(w);
        tell_waiters(d, PT_ERR_STORE, "out of memory");
        return;
    }
    w->has_cfg = 1;
    w->create = d->create_pending;
    d->state = DB_OPENING;
    if (queue_work(w) < 0) {
        d->state = DB_CLOSED;
        free_work(w);
        tell_waiters(d, PT_ERR_STORE, "cannot queue the open");
    }
}

/* Past databases.max_open, the least recently used idle database closes
 * to make room; refused when every open one is in use. */
static int make_room(dbs *ds, char *msg, size_t msglen)
{
    db *lru = NULL;

    if (count_open(ds) < ds->lim.max_open)
        return 0;
    for (db *d = ds->list; d; d = d->next)
        if (idle(d) && (!lru || d->last_used_ns < lru->last_used_ns))
            lru = d;
    if (!lru) {
        snprintf(msg, msglen,
                 "databases.max_open (%llu) databases are open and every one is in use; "
                 "try again when one is idle",
                 (unsigned long long)ds->lim.max_open);
        return -EBUSY;
    }
    log_info("database %s: closed to make room (databases.max_open = %llu)", lru->name,
             (unsigned long long)ds->lim.max_open);
    start_close(lru);
    return 0;
}

int dbs_acquire(dbs *ds, const char *name, int create, db_wait *w, db **out, int *code,
                char *msg, size_t msglen)
{
    db *d = find(ds, name);

    *out = NULL;
    if (!d && !create) {
        *code = PT_ERR_NO_DATABASE;
        snprintf(msg, msglen, "no database %s (`ptingest db list` shows them; an ingest "
                 "creates one)", name);
        return -1;
    }
    if (d && d->state == DB_RESTORING) {
        *code = PT_ERR_DB_BUSY;
        snprintf(msg, msglen, "database %s is being restored", name);
        return -1;
    }
    if (d && d->drop) {
        *code = PT_ERR_NO_DATABASE;
        snprintf(msg, msglen, "database %s is being dropped", name);
        return -1;
    }
    if (d && d->state == DB_OPEN) {
        d->holds++;
        d->last_used_ns = pt_now_ns();
        *out = d;
        return 1;
    }
    if (!d || d->state == DB_CLOSED) {
        if (make_room(ds, msg, msglen) < 0) {
            *code = PT_ERR_DB_BUSY;
            return -1;
        }
    }
    if (!d && !(d = new_db(ds, name))) {
        *code = PT_ERR_STORE;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    w->next = d->waiters;
    d->waiters = w;
    if (create)
        d->create_pending = 1;
    if (d->state == DB_CLOSED)
        start_open(d);
    /* OPENING: told when it is open; CLOSING: reopened once closed */
    return 0;
}

void dbs_cancel(dbs *ds, db_wait *w)
{
    for (db *d = ds->list; d; d = d->next)
        for (db_wait **pp = &d->waiters; *pp; pp = &(*pp)->next)
            if (*pp == w) {
                *pp = w->next;
                w->next = NULL;
                return;
            }
}

void dbs_release(db *d)
{
    d->holds--;
    d->last_used_ns = pt_now_ns();
}

store *db_store(const db *d) { return d->s; }
jobdb *db_jobs(db *d) { return &d->jd; }
const char *db_name(const db *d) { return d->name; }

/* --- closing -------------------------------------------------------------- */

static void close_after(work *w)
{
    db *d = w->d;
    dbs *ds = w->ds;
    dbs_admin *drop = d->drop;

    d->s = d->jd.s = NULL;
    jobrecs_free(&d->jd.recs);
    if (w->rows_known) {
        d->rows = w->rows;
        d->rows_known = 1;
    }
    if (!drop) {
        d->state = DB_CLOSED;
        log_info("database %s: closed", d->name);
        if (d->waiters) { /* asked for again meanwhile */
            char msg[256];
            if (make_room(ds, msg, sizeof(msg)) < 0)
                tell_waiters(d, PT_ERR_DB_BUSY, msg);
            else
                start_open(d);
        }
        return;
    }
    d->drop = NULL;
    if (w->r < 0) {
        char msg[1200];
        snprintf(msg, sizeof(msg), "database %s: closed, but not dropped: %s", d->name, w->msg);
        log_error("%s", msg);
        d->state = DB_CLOSED;
        admin_answer(drop, PT_ERR_STORE, msg);
        tell_waiters(d, PT_ERR_NO_DATABASE, msg);
        return;
    }
    {
        pt_buf b;
        work *rm;
        pt_buf_init(&b);
        json_start(&b, d->name);
        pt_buf_printf(&b, ",\"bytes_on_disk\":%llu}", (unsigned long long)w->st.bytes);
        log_info("database %s: dropped (%.1f MB to free)", d->name, (double)w->st.bytes / 1e6);
        ds->st.dropped++;
        tell_waiters(d, PT_ERR_NO_DATABASE, "the database was dropped");
        answer_buf(drop, &b);
        unlink_db(ds, d);
        /* the space comes back in the background */
        if ((rm = new_work(ds, W_REMOVE, NULL)) && (rm->path = strdup(w->path2)) &&
            (rm->st.bytes = w->st.bytes, queue_work(rm) == 0))
            return;
        if (rm)
            free_work(rm);
    }
}

/* The close could not start (out of memory): the database stays as it
 * was, and whoever waits on the close hears so. */
static void close_failed(db *d, const char *why)
{
    dbs_admin *drop = d->drop;
    char msg[256];

    snprintf(msg, sizeof(msg), "database %s: cannot close: %s", d->name, why);
    log_error("%s", msg);
    d->drop = NULL;
    d->state = d->s ? DB_OPEN : DB_CLOSED;
    if (d->s)
        jobs_attach(d->ds->js, &d->jd);
    if (drop)
        admin_answer(drop, PT_ERR_STORE, msg);
    if (d->s && d->waiters)
        tell_waiters(d, 0, NULL);
}

static void queue_close(db *d)
{
    dbs *ds = d->ds;
    work *w = new_work(ds, W_CLOSE, d);
    char tmp[96];

    if (!w || !(w->path = strdup(d->dir))) {
        if (w)
            free_work(w);
        close_failed(d, "out of memory");
        return;
    }
    w->s = d->s;
    if (d->drop) {
        w->drop = 1;
        snprintf(tmp, sizeof(tmp), ".dropped-%llu-%llu", (unsigned long long)time(NULL),
                 (unsigned long long)++ds->seq);
        if (!(w->path2 = dbdir_join(ds->root, tmp))) {
            free_work(w);
            close_failed(d, "out of memory");
            return;
        }
    }
    if (queue_work(w) < 0) {
        free_work(w);
        close_failed(d, "cannot queue the close");
    }
}

/* The writer let go of the store: close it. */
static void forgotten(void *ud, chunk *c)
{
    (void)c;
    queue_close(ud);
}

static void start_close(db *d)
{
    dbs *ds = d->ds;
    chunk *c;

    d->state = DB_CLOSING;
    jobs_detach(ds->js, &d->jd);
    if (!(c = chunk_new())) {
        close_failed(d, "out of memory");
        return;
    }
    c->store = d->s;
    c->forget = 1;
    c->done = forgotten;
    c->done_ud = d;
    c->sealed_ns = pt_now_ns();
    ds->env.push(ds->env.ud, c);
}

/* A database whose jobs have all ended flushes its memtables once it has
 * been quiet a while: their memory goes back to the shared budget, its
 * write-ahead log can go, and a restart replays nothing. */
static void flush_quiet(dbs *ds, db *d, uint64_t now_ns)
{
    uint64_t quiet_ns = ds->lim.idle_flush_ms * 1000000ull;
    chunk *c;

    if (!quiet_ns || d->state != DB_OPEN || !d->jd.unflushed || d->jd.held ||
        now_ns - d->jd.quiet_since_ns < quiet_ns || !(c = chunk_new()))
        return;
    d->jd.unflushed = 0;
    c->store = d->s;
    c->flush = 1;
    c->sealed_ns = now_ns;
    ds->env.push(ds->env.ud, c);
}

void dbs_tick(dbs *ds, uint64_t now_ns)
{
    uint64_t idle_ns = ds->lim.idle_close_ms * 1000000ull;

    for (db *d = ds->list; d; d = d->next) {
        flush_quiet(ds, d, now_ns);
        if (idle_ns && idle(d) && now_ns - d->last_used_ns >= idle_ns) {
            log_info("database %s: idle for %llu ms, closing", d->name,
                     (unsigned long long)((now_ns - d->last_used_ns) / 1000000));
            ds->st.closed_idle++;
            start_close(d);
        }
    }
}

/* --- admin requests ----------------------------------------------------- */

static void admin_free(dbs_admin *a)
{
    free(a->dir);
    free(a);
}

static void admin_answer(dbs_admin *a, int code, const char *text)
{
    if (!a->detached)
        a->cb(a->ud, code, text);
    admin_free(a);
}

/* `{"name":NAME` of an answer. */
static void json_start(pt_buf *b, const char *name)
{
    pt_buf_printf(b, "{\"name\":");
    json_append_cstr(b, name);
}

static void answer_buf(dbs_admin *a, pt_buf *b)
{
    admin_answer(a, b->data ? 0 : PT_ERR_STORE, b->data ? b->data : "out of memory");
    pt_buf_free(b);
}

void dbs_admin_detach(dbs_admin *a)
{
    a->detached = 1;
}

/* An answer known at once still comes from the loop, not from inside the
 * request: through an empty piece of work. */
static int answer_later(dbs_admin *a, int code, const char *text)
{
    work *w = new_work(a->ds, W_ANSWER, NULL);

    if (!w)
        return -ENOMEM;
    w->admin = a;
    w->code = code;
    snprintf(w->msg, sizeof(w->msg), "%s", text);
    if (queue_work(w) < 0) {
        free_work(w);
        return -ENOMEM;
    }
    return 0;
}

/* The answer to CREATE: the database, and whether this call made it. */
static void created_json(pt_buf *b, const db *d, int created)
{
    pt_buf_init(b);
    json_start(b, d->name);
    pt_buf_printf(b, ",\"created\":%s}", created ? "true" : "false");
}

static void admin_created(dbs_admin *a, db *d)
{
    pt_buf b;

    created_json(&b, d, !a->existed);
    if (!a->existed)
        log_info("database %s: created", d->name);
    dbs_release(d);
    answer_buf(a, &b);
}

static void start_checkpoint(dbs_admin *a, db *d)
{
    work *w = new_work(a->ds, W_CHECKPOINT, d);

    a->d = d;
    if (!w || !(w->path = strdup(a->dir))) {
        if (w)
            free_work(w);
        dbs_release(d);
        admin_answer(a, PT_ERR_STORE, "out of memory");
        return;
    }
    w->admin = a;
    w->s = d->s;
    if (queue_work(w) < 0) {
        free_work(w);
        dbs_release(d);
        admin_answer(a, PT_ERR_STORE, "cannot queue the checkpoint");
    }
}

static void admin_ready(db_wait *wt, db *d, int code, const char *msg)
{
    dbs_admin *a = (dbs_admin *)((char *)wt - offsetof(dbs_admin, wait));

    if (code) {
        admin_answer(a, code, msg);
        return;
    }
    if (a->op == PT_DB_CREATE)
        admin_created(a, d);
    else
        start_checkpoint(a, d);
}

static int start_list(dbs_admin *a)
{
    dbs *ds = a->ds;
    work *w = new_work(ds, W_LIST, NULL);
    size_t n = 0;

    if (!w)
        return -ENOMEM;
    for (db *d = ds->list; d; d = d->next)
        n++;
    if (!(w->entries = calloc(n ? n : 1, sizeof(*w->entries)))) {
        free_work(w);
        return -ENOMEM;
    }
    for (db *d = ds->list; d; d = d->next) {
        list_entry *e = &w->entries[w->nentries];
        if (d->state == DB_RESTORING || d->drop)
            continue;
        snprintf(e->name, sizeof(e->name), "%s", d->name);
        e->state = state_name(d->state);
        if (!(e->dir = strdup(d->dir)))
            continue;
        e->is_default = d->is_default;
        if (d->state == DB_OPEN) { /* held, so it stays open for the walk */
            e->s = d->s;
            e->d = d;
            d->holds++;
        }
        e->rows = d->rows; /* as it closed; the walk asks an open one */
        e->rows_known = d->rows_known;
        w->nentries++;
    }
    w->admin = a;
    if (queue_work(w) < 0) {
        for (size_t i = 0; i < w->nentries; i++)
            if (w->entries[i].d)
                dbs_release(w->entries[i].d);
        free_work(w);
        return -ENOMEM;
    }
    return 0;
}

static void list_after(work *w)
{
    pt_buf b;

    pt_buf_init(&b);
    pt_buf_printf(&b, "{\"databases\":[");
    for (size_t i = 0; i < w->nentries; i++) {
        list_entry *e = &w->entries[i];
        db *d = find(w->ds, e->name);
        if (i)
            pt_buf_printf(&b, ",");
        json_start(&b, e->name);
        pt_buf_printf(&b, ",\"state\":\"%s\",", d ? state_name(d->state) : "dropped");
        if (e->rows_known)
            pt_buf_printf(&b, "\"rows\":%llu,", (unsigned long long)e->rows);
        else
            pt_buf_printf(&b, "\"rows\":null,");
        pt_buf_printf(&b, "\"bytes_on_disk\":%llu,\"jobs_active\":%llu}",
                      (unsigned long long)e->bytes,
                      (unsigned long long)(d ? d->jd.held : 0));
        if (e->d)
            dbs_release(e->d);
    }
    pt_buf_printf(&b, "]}");
    answer_buf(w->admin, &b);
}

static int start_drop(dbs_admin *a, int *code, char *msg, size_t msglen)
{
    db *d = find(a->ds, a->name);

    if (!d || d->state == DB_RESTORING || d->drop) {
        *code = d ? PT_ERR_DB_BUSY : PT_ERR_NO_DATABASE;
        snprintf(msg, msglen, d ? "database %s is being %s" : "no database %s", a->name,
                 d && d->drop ? "dropped" : "restored");
        return -1;
    }
    if (d->is_default) {
        *code = PT_ERR_BAD_REQUEST;
        snprintf(msg, msglen, "the default database is the data dir itself and cannot be "
                 "dropped (stop the daemon and remove %s to start afresh)", d->dir);
        return -1;
    }
    if (d->jd.held) {
        *code = PT_ERR_DB_BUSY;
        snprintf(msg, msglen, "database %s: %llu job(s) write into it; drop it once they end",
                 d->name, (unsigned long long)d->jd.held);
        return -1;
    }
    if (d->holds || d->waiters || d->state == DB_OPENING) {
        *code = PT_ERR_DB_BUSY;
        snprintf(msg, msglen, "database %s is in use (%llu request(s) read it or wait for it); "
                 "try again when they end", d->name,
                 (unsigned long long)(d->holds + (d->waiters != NULL)));
        return -1;
    }
    d->drop = a;
    if (d->state == DB_OPEN)
        start_close(d);
    else if (d->state == DB_CLOSED) {
        d->state = DB_CLOSING;
        d->s = NULL;
        queue_close(d); /* store_close(NULL) is a no-op: only the rename */
    }
    /* DB_CLOSING: close_after sees the drop */
    return 0;
}

static int start_restore(dbs_admin *a, int *code, char *msg, size_t msglen)
{
    dbs *ds = a->ds;
    db *d = find(ds, a->name);
    work *w;

    if (d) {
        *code = PT_ERR_EXISTS;
        snprintf(msg, msglen, "database %s exists: restore into a new name, or drop it first",
                 a->name);
        return -1;
    }
    if (!(d = new_db(ds, a->name)) || !(w = new_work(ds, W_RESTORE, d))) {
        if (d)
            unlink_db(ds, d);
        *code = PT_ERR_STORE;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    d->state = DB_RESTORING;
    w->admin = a;
    ds->seq++;
    if (!(w->path = strdup(a->dir)) || !(w->path2 = strdup(d->dir)) ||
        config_clone(&w->cfg, &ds->cfg) < 0 || (w->has_cfg = 1, queue_work(w) < 0)) {
        free_work(w);
        unlink_db(ds, d);
        *code = PT_ERR_STORE;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    return 0;
}

static void restore_after(work *w)
{
    db *d = w->d;
    pt_buf b;

    if (w->r < 0) {
        char msg[1300];
        snprintf(msg, sizeof(msg), "database %s: not restored: %s", d->name, w->msg);
        log_error("%s", msg);
        unlink_db(w->ds, d);
        admin_answer(w->admin, w->r == -ENOENT || w->r == -EINVAL ? PT_ERR_BAD_REQUEST
                                                                  : PT_ERR_STORE, msg);
        return;
    }
    d->state = DB_CLOSED;
    w->ds->st.restored++;
    pt_buf_init(&b);
    json_start(&b, d->name);
    pt_buf_printf(&b, ",\"dir\":");
    json_append_cstr(&b, w->path);
    pt_buf_printf(&b, ",\"files\":%llu,\"bytes\":%llu}", (unsigned long long)w->st.files,
                  (unsigned long long)w->st.bytes);
    log_info("database %s: restored from %s (%llu files, %.1f MB, %llu linked)", d->name,
             w->path, (unsigned long long)w->st.files, (double)w->st.bytes / 1e6,
             (unsigned long long)w->st.linked);
    answer_buf(w->admin, &b);
}

static void checkpoint_after(work *w)
{
    dbs_admin *a = w->admin;
    pt_buf b;

    dbs_release(w->d);
    if (w->r < 0) {
        admin_answer(a, w->r == -EEXIST ? PT_ERR_EXISTS : PT_ERR_STORE, w->msg);
        return;
    }
    w->ds->st.checkpoints++;
    pt_buf_init(&b);
    json_start(&b, w->d->name);
    pt_buf_printf(&b, ",\"dir\":");
    json_append_cstr(&b, w->path);
    pt_buf_printf(&b, ",\"files\":%llu,\"bytes\":%llu,\"linked_files\":%llu}",
                  (unsigned long long)w->st.files, (unsigned long long)w->st.bytes,
                  (unsigned long long)w->st.linked);
    log_info("database %s: checkpoint in %s (%llu files, %.1f MB, %llu linked)", w->d->name,
             w->path, (unsigned long long)w->st.files, (double)w->st.bytes / 1e6,
             (unsigned long long)w->st.linked);
    answer_buf(a, &b);
}

int dbs_admin_start(dbs *ds, int op, const char *name, const char *dir, dbs_admin_cb cb,
                    void *ud, dbs_admin **out, int *code, char *msg, size_t msglen)
{
    dbs_admin *a = calloc(1, sizeof(*a));
    db *d;
    int r;

    *out = NULL;
    if (!a || (dir && !(a->dir = strdup(dir)))) {
        free(a);
        *code = PT_ERR_STORE;
        snprintf(msg, msglen, "out of memory");
        return -1;
    }
    a->ds = ds;
    a->op = op;
    a->cb = cb;
    a->ud = ud;
    a->wait.ready = admin_ready;
    snprintf(a->name, sizeof(a->name), "%s", name ? name : "");
    switch (op) {
    case PT_DB_LIST:
        r = start_list(a);
        if (r < 0) {
            *code = PT_ERR_STORE;
            snprintf(msg, msglen, "out of memory");
        }
        break;
    case PT_DB_CREATE:
    case PT_DB_CHECKPOINT:
        a->existed = find(ds, a->name) != NULL;
        r = dbs_acquire(ds, a->name, op == PT_DB_CREATE, &a->wait, &d, code, msg, msglen);
        if (r == 1) { /* open already: answer from the loop */
            if (op == PT_DB_CREATE) {
                pt_buf b;
                created_json(&b, d, 0);
                dbs_release(d);
                r = answer_later(a, b.data ? 0 : PT_ERR_STORE, b.data ? b.data : "out of memory");
                pt_buf_free(&b);
            } else {
                start_checkpoint(a, d);
                r = 0;
            }
        }
        break;
    case PT_DB_DROP: r = start_drop(a, code, msg, msglen); break;
    case PT_DB_RESTORE: r = start_restore(a, code, msg, msglen); break;
    default:
        *code = PT_ERR_PROTOCOL;
        snprintf(msg, msglen, "unknown database operation %d", op);
        r = -1;
    }
    if (r < 0) {
        admin_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

static void work_after(uv_work_t *req, int status)
{
    work *w = req->data;

    (void)status;
    (*w->ds->inflight)--;
    switch (w->kind) {
    case W_OPEN: open_after(w); break;
    case W_CLOSE: close_after(w); break;
    case W_REMOVE:
        if (w->r < 0)
            log_error("cannot remove %s: %s", w->path, w->msg);
        else
            log_info("%s removed: %.1f MB freed", w->path, (double)w->st.bytes / 1e6);
        break;
    case W_CHECKPOINT: checkpoint_after(w); break;
    case W_RESTORE: restore_after(w); break;
    case W_LIST: list_after(w); break;
    case W_ANSWER: admin_answer(w->admin, w->code, w->msg); break;
    }
    free_work(w);
}

/* --- life ------------------------------------------------------------------- */

typedef struct scan_ctx {
    dbs *ds;
    int r;
} scan_ctx;

/* One entry of data_dir/databases: a database, or the leftovers of a
 * restore or drop a crash interrupted (removed in the background). */
static int scan_entry(void *ud, const char *name, int is_dir)
{
    scan_ctx *sc = ud;
    char dbname[PT_DBNAME_MAX + 1];
    work *w;

    if (!is_dir)
        return 0;
    if (strncmp(name, ".restore-", 9) == 0 || strncmp(name, ".dropped-", 9) == 0) {
        if ((w = new_work(sc->ds, W_REMOVE, NULL)) && (w->path = dbdir_join(sc->ds->root, name)) &&
            queue_work(w) == 0) {
            log_info("removing %s, left by an unfinished %s", w->path,
                     name[1] == 'r' ? "restore" : "drop");
            return 0;
        }
        if (w)
            free_work(w);
        return 0;
    }
    if (pt_dbname_from_dir(name, dbname, sizeof(dbname)) < 0 ||
        strcmp(dbname, PT_DB_DEFAULT) == 0) {
        log_warn("%s/%s: not a database directory; left alone", sc->ds->root, name);
        return 0;
    }
    if (!new_db(sc->ds, dbname))
        return sc->r = -ENOMEM;
    return 0;
}

int dbs_new(dbs **out, uv_loop_t *loop, const pt_config *cfg, jobs *js, const dbs_env *env,
            uint64_t *inflight, pt_diag *diag)
{
    dbs *ds = calloc(1, sizeof(*ds));
    scan_ctx sc;
    char err[512];
    db *d;
    int r;

    if (!(*out = ds))
        return -ENOMEM;
    ds->loop = loop;
    ds->js = js;
    ds->env = *env;
    ds->inflight = inflight;
    ds->lim.max_open = cfg->databases_max_open;
    ds->lim.idle_close_ms = cfg->databases_idle_close_ms;
    ds->lim.idle_flush_ms = cfg->databases_idle_flush_ms;
    if ((r = config_clone(&ds->cfg, cfg)) < 0)
        return r;
    ds->st.memtable_budget_bytes = cfg->databases_memtable_budget_bytes;
    ds->st.block_cache_budget_bytes = cfg->databases_block_cache_bytes;
    if ((r = store_share_new(&ds->share, cfg->databases_block_cache_bytes,
                             cfg->databases_memtable_budget_bytes, err, sizeof(err))) < 0) {
        diag_error(diag, "ptingestd", 0, 0, "%s", err);
        return r;
    }
    if (!(ds->root = dbdir_join(cfg->data_dir, "databases")) || !(d = new_db(ds, PT_DB_DEFAULT)))
        return -ENOMEM;
    if ((r = store_open_at(&d->s, &ds->cfg, d->dir, ds->share, diag)) < 0)
        return r;
    d->jd.s = d->s;
    if ((r = jobs_load_records(&d->jd, cfg->job_retention_ms, diag)) < 0)
        return r;
    d->state = DB_OPEN;
    d->last_used_ns = pt_now_ns();
    jobs_attach(js, &d->jd);
    if ((r = dbdir_mkdir(ds->root, err, sizeof(err))) < 0) {
        diag_error(diag, ds->root, 0, 0, "%s", err);
        return r;
    }
    sc = (scan_ctx){ds, 0};
    if ((r = dbdir_list(ds->root, scan_entry, &sc, err, sizeof(err))) < 0 || sc.r < 0) {
        diag_error(diag, ds->root, 0, 0, "%s", r < 0 ? err : "out of memory");
        return r < 0 ? r : sc.r;
    }
    if (ds->st.known > 1)
        log_info("databases: %llu besides the default one, in %s",
                 (unsigned long long)ds->st.known - 1, ds->root);
    return 0;
}

int dbs_set_config(dbs *ds, const pt_config *cfg)
{
    pt_config next;
    int r = config_clone(&next, cfg);

    if (r < 0)
        return r;
    config_free(&ds->cfg);
    ds->cfg = next;
    return 0;
}

void dbs_set_limits(dbs *ds, const dbs_limits *l)
{
    ds->lim = *l;
}

void dbs_close_all(dbs *ds)
{
    for (db *d = ds->list; d; d = d->next) {
        if (!d->s)
            continue;
        jobs_detach(ds->js, &d->jd);
        store_close(d->s);
        d->s = d->jd.s = NULL;
        d->state = DB_CLOSED;
    }
}

void dbs_free(dbs *ds)
{
    if (!ds)
        return;
    dbs_close_all(ds);
    while (ds->list)
        unlink_db(ds, ds->list);
    store_share_free(ds->share);
    config_free(&ds->cfg);
    free(ds->root);
    free(ds);
}

store *dbs_default_store(dbs *ds)
{
    return ds->list ? ds->list->s : NULL;
}

void dbs_get_stats(const dbs *ds, dbs_stats *st)
{
    *st = ds->st;
    st->open = count_open(ds);
    if (ds->share) {
        st->memtable_bytes = store_share_memtable_bytes(ds->share);
        st->block_cache_bytes = store_share_cache_bytes(ds->share);
    }
}

void dbs_each(const dbs *ds, dbs_each_cb cb, void *ud)
{
    for (const db *d = ds->list; d; d = d->next)
        cb(ud, d->name, d->drop ? "dropping" : state_name(d->state),
           d->state == DB_OPEN ? d->s : NULL, d->holds, d->jd.held);
}
