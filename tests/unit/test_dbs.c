/* The database registry against real temporary RocksDB instances: opening
 * on demand (never answered from inside the call), create, list, drop
 * (refused while held, the writer told to let go first, the directory
 * gone after), checkpoint and restore (a round trip of a row), the
 * databases.max_open bound, idle close and reopen, and the registry read
 * back at the next start. The writer is a fake: `forget` chunks come back
 * at once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "check.h"
#include "common/frame.h"
#include "common/protocol.h"
#include "daemon/dbdir.h"
#include "daemon/dbs.h"
#include "store_fixture.h"

static chunk_list pushed;
static uint64_t inflight;
static int flushes;
static dbs *ds;
static jobs *js;
static char dir[64];
static pt_config cfg;

static void push(void *ud, chunk *c)
{
    (void)ud;
    chunk_list_push(&pushed, c);
}

/* What the writer and the loop would do: hand chunks back, run callbacks. */
static void pump(void)
{
    for (int i = 0; i < 2000; i++) {
        chunk *c;
        while ((c = chunk_list_pop(&pushed))) {
            CHECK(c->forget != c->flush); /* one or the other */
            flushes += c->flush;
            c->status = 0;
            if (c->done)
                c->done(c->done_ud, c);
            chunk_free(c);
        }
        uv_run(uv_default_loop(), UV_RUN_NOWAIT);
        if (!inflight && !pushed.n)
            return;
        uv_sleep(1);
    }
    CHECK(!"the registry's work never finished");
}

typedef struct waiter {
    db_wait w;
    db *d;
    int code, called;
} waiter;

static void ready(db_wait *w, db *d, int code, const char *msg)
{
    waiter *t = (waiter *)w;

    (void)msg;
    t->d = d;
    t->code = code;
    t->called++;
}

/* Hold name (creating it when asked), waiting for it to open. */
static db *hold(const char *name, int create, int *code)
{
    waiter t = {{NULL, ready}, NULL, 0, 0};
    char msg[256];
    db *d = NULL;
    int r = dbs_acquire(ds, name, create, &t.w, &d, code, msg, sizeof(msg));

    if (r == 1)
        return d;
    if (r < 0)
        return NULL;
    CHECK_EQ_INT(t.called, 0); /* never from inside the call */
    pump();
    CHECK_EQ_INT(t.called, 1);
    *code = t.code;
    return t.d;
}

typedef struct answer {
    int called, code;
    char text[2048];
} answer;

static void on_answer(void *ud, int code, const char *text)
{
    answer *a = ud;

    a->called++;
    a->code = code;
    snprintf(a->text, sizeof(a->text), "%s", text);
}

/* An admin request to its end: 0 and the answer, or -1 refused at once. */
static int admin(int op, const char *name, const char *d, answer *a)
{
    dbs_admin *h;
    char msg[512];
    int code;

    memset(a, 0, sizeof(*a));
    if (dbs_admin_start(ds, op, name, d, on_answer, a, &h, &code, msg, sizeof(msg)) < 0) {
        a->code = code;
        snprintf(a->text, sizeof(a->text), "%s", msg);
        return -1;
    }
    CHECK_EQ_INT(a->called, 0);
    pump();
    CHECK_EQ_INT(a->called, 1);
    return 0;
}

static void open_registry(uint64_t max_open, uint64_t idle_ms)
{
    job_sink sink = {NULL, push, NULL, NULL, NULL};
    job_events ev = {0};
    dbs_env env = {push, NULL};
    pt_diag d;

    cfg.databases_max_open = max_open;
    cfg.databases_idle_close_ms = idle_ms;
    CHECK_EQ_INT(jobs_new(&js, uv_default_loop(), &sink, &ev), 0);
    diag_init(&d);
    CHECK_EQ_INT(dbs_new(&ds, uv_default_loop(), &cfg, js, &env, &inflight, &d), 0);
    if (d.errors)
        fprintf(stderr, "%s", diag_text(&d));
    diag_free(&d);
}

static void close_registry(void)
{
    pump();
    dbs_free(ds);
    jobs_free(js);
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    ds = NULL;
    js = NULL;
}

static int count_rows(db *d)
{
    uint64_t n = 0;
    char err[256];

    CHECK_EQ_INT(store_count(db_store(d), 0, &n, err, sizeof(err)), 0);
    return (int)n;
}

TEST(open_create_drop)
{
    char path[256], msg[256];
    answer a;
    waiter t = {{NULL, ready}, NULL, 0, 0};
    db *d, *x;
    int code = 0;

    open_registry(8, 0);
    /* a read of a database that does not exist: refused, nothing made */
    CHECK_EQ_INT(dbs_acquire(ds, "alpha", 0, &t.w, &x, &code, msg, sizeof(msg)), -1);
    CHECK_EQ_INT(code, PT_ERR_NO_DATABASE);
    snprintf(path, sizeof(path), "%s/databases/db-alpha.d", dir);
    CHECK(!dbdir_exists(path));
    /* an ingest's acquire creates it */
    d = hold("alpha", 1, &code);
    CHECK(d != NULL && code == 0);
    CHECK(dbdir_exists(path));
    fixture_put(db_store(d), 0, "k1", "1");
    CHECK(hold("alpha", 0, &code) == d); /* open: held at once */
    dbs_release(d);
    /* held: a drop is refused */
    CHECK_EQ_INT(admin(PT_DB_DROP, "alpha", NULL, &a), -1);
    CHECK_EQ_INT(a.code, PT_ERR_DB_BUSY);
    CHECK(strstr(a.text, "in use") != NULL);
    dbs_release(d);
    CHECK_EQ_INT(admin(PT_DB_LIST, "", NULL, &a), 0);
    CHECK(strstr(a.text, "{\"name\":\"alpha\",\"state\":\"open\",\"rows\":1,") != NULL);
    CHECK(strstr(a.text, "{\"name\":\"default\",") != NULL);
    /* the default database is the data dir: never dropped */
    CHECK_EQ_INT(admin(PT_DB_DROP, "default", NULL, &a), -1);
    CHECK_EQ_INT(a.code, PT_ERR_BAD_REQUEST);
    /* unheld: dropped, its directory gone */
    CHECK_EQ_INT(admin(PT_DB_DROP, "alpha", NULL, &a), 0);
    CHECK_EQ_INT(a.code, 0);
    CHECK(strstr(a.text, "{\"name\":\"alpha\",\"bytes_on_disk\":") != NULL);
    pump();
    CHECK(!dbdir_exists(path));
    CHECK(hold("alpha", 0, &code) == NULL);
    CHECK_EQ_INT(code, PT_ERR_NO_DATABASE);
    /* create answers whether it made one */
    CHECK_EQ_INT(admin(PT_DB_CREATE, "Beta", NULL, &a), 0);
    CHECK(strstr(a.text, "\"created\":true") != NULL);
    CHECK_EQ_INT(admin(PT_DB_CREATE, "Beta", NULL, &a), 0);
    CHECK(strstr(a.text, "\"created\":false") != NULL);
    snprintf(path, sizeof(path), "%s/databases/db-^beta.d", dir);
    CHECK(dbdir_exists(path));
    close_registry();
}

TEST(checkpoint_and_restore)
{
    char cp[256];
    answer a;
    db *d;
    int code;

    open_registry(8, 0);
    d = hold("src", 1, &code);
    CHECK(d != NULL);
    fixture_put(db_store(d), 0, "a", "1");
    fixture_put(db_store(d), 0, "b", "2");
    dbs_release(d);
    snprintf(cp, sizeof(cp), "%s-cp", dir);
    CHECK_EQ_INT(admin(PT_DB_CHECKPOINT, "src", cp, &a), 0);
    CHECK_EQ_INT(a.code, 0);
    CHECK(strstr(a.text, "\"linked_files\":") != NULL);
    /* into a directory that exists: refused */
    CHECK_EQ_INT(admin(PT_DB_CHECKPOINT, "src", cp, &a), 0);
    CHECK_EQ_INT(a.code, PT_ERR_EXISTS);
    /* onto a name that exists: refused; a new name: the rows are back */
    CHECK_EQ_INT(admin(PT_DB_RESTORE, "src", cp, &a), -1);
    CHECK_EQ_INT(a.code, PT_ERR_EXISTS);
    CHECK_EQ_INT(admin(PT_DB_RESTORE, "copy", cp, &a), 0);
    CHECK_EQ_INT(a.code, 0);
    d = hold("copy", 0, &code);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_INT(count_rows(d), 2);
        dbs_release(d);
    }
    /* not a checkpoint: refused, nothing left behind */
    CHECK_EQ_INT(admin(PT_DB_RESTORE, "bad", "/nonexistent-dir", &a), 0);
    CHECK_EQ_INT(a.code, PT_ERR_BAD_REQUEST);
    CHECK(hold("bad", 0, &code) == NULL);
    close_registry();
    {
        char err[256];
        CHECK_EQ_INT(dbdir_remove(cp, err, sizeof(err)), 0);
    }
}

static int state_of_ok;
static void find_state(void *ud, const char *name, const char *state, store *s, uint64_t holds,
                       uint64_t njobs)
{
    const char *const *want = ud;

    (void)s, (void)holds, (void)njobs;
    if (strcmp(name, want[0]) == 0 && strcmp(state, want[1]) == 0)
        state_of_ok = 1;
}

static int in_state(const char *name, const char *state)
{
    const char *want[2] = {name, state};

    state_of_ok = 0;
    dbs_each(ds, find_state, (void *)want);
    return state_of_ok;
}

TEST(bounded_and_idle)
{
    dbs_limits l = {3, 0, 0};
    db *b, *c, *d;
    int code;

    open_registry(3, 0); /* default + 2 */
    b = hold("b", 1, &code);
    c = hold("c", 1, &code);
    CHECK(b && c);
    /* every open one in use: refused */
    CHECK(hold("d", 1, &code) == NULL);
    CHECK_EQ_INT(code, PT_ERR_DB_BUSY);
    dbs_release(b);
    /* b is idle: it closes to make room */
    d = hold("d", 1, &code);
    CHECK(d != NULL);
    pump();
    CHECK(in_state("b", "closed"));
    CHECK(in_state("c", "open"));
    dbs_release(c);
    dbs_release(d);
    /* quiet after its jobs: flushed once, through the writer */
    l.idle_flush_ms = 1;
    dbs_set_limits(ds, &l);
    db_jobs(c)->unflushed = 1;
    db_jobs(c)->quiet_since_ns = uv_hrtime();
    flushes = 0;
    dbs_tick(ds, uv_hrtime()); /* not yet */
    pump();
    CHECK_EQ_INT(flushes, 0);
    uv_sleep(3);
    dbs_tick(ds, uv_hrtime());
    dbs_tick(ds, uv_hrtime());
    pump();
    CHECK_EQ_INT(flushes, 1);
    /* idle close, and reopen on demand with the rows */
    l.idle_close_ms = 1;
    dbs_set_limits(ds, &l);
    uv_sleep(5);
    dbs_tick(ds, uv_hrtime());
    pump();
    CHECK(in_state("c", "closed") && in_state("d", "closed"));
    CHECK(in_state("default", "open")); /* never the default */
    c = hold("c", 0, &code);
    CHECK(c != NULL && in_state("c", "open"));
    dbs_release(c);
    close_registry();
    /* the next start finds them all */
    open_registry(8, 0);
    CHECK(in_state("b", "closed") && in_state("c", "closed") && in_state("d", "closed"));
    close_registry();
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/pt-unit-dbs-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    config_init_defaults(&cfg);
    config_set_string(&cfg.data_dir, dir);
    RUN(open_create_drop);
    RUN(checkpoint_and_restore);
    RUN(bounded_and_idle);
    config_free(&cfg);
    fixture_close(NULL, dir);
    return CHECK_DONE();
}
