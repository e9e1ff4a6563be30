/* The settings table and its hooks: every reloadable key names a hook
 * that exists, and applying a changed configuration reaches the live
 * modules, the expiry of job records among them (a retention reloaded from
 * 0 to 1 s expires an old record within the second). */
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "check.h"
#include "common/log.h"
#include "config/keys.h"
#include "daemon/settings.h"
#include "store_fixture.h"

TEST(every_reloadable_key_has_a_hook)
{
    for (size_t i = 0; i < pt_nkeys; i++) {
        const pt_key *k = &pt_keys[i];
        if (!(k->flags & PT_KEY_RELOADABLE)) {
            if (k->apply != PT_APPLY_NONE) {
                fprintf(stderr, "%s: restart-only but names a hook\n", k->name);
                CHECK(0);
            }
            continue;
        }
        if (k->apply == PT_APPLY_NONE || k->apply >= PT_APPLY_COUNT) {
            fprintf(stderr, "%s: reloadable without a hook\n", k->name);
            CHECK(0);
        } else if (k->apply == PT_APPLY_ROCKSDB) {
            /* handed to RocksDB by the reload itself */
            CHECK(strncmp(k->name, "rocksdb.", 8) == 0);
        } else if (!settings_hook_for(k->apply)) {
            fprintf(stderr, "%s: hook %d has no function\n", k->name, k->apply);
            CHECK(0);
        }
    }
    CHECK(settings_hook_for(PT_APPLY_NONE) == NULL);
}

/* --- live modules ---------------------------------------------------------- */

static chunk_list pushed;
static uint64_t inflight;

static int sink_room(void *ud, uint64_t mem) { (void)ud, (void)mem; return 1; }
static void sink_push(void *ud, chunk *c) { (void)ud; chunk_list_push(&pushed, c); }
static void sink_done(void *ud, chunk_list *out) { (void)ud, (void)out; }
static void ev_nop(void *ud) { (void)ud; }
static void ev_acked(void *c, uint64_t r, uint64_t b) { (void)c, (void)r, (void)b; }
static void ev_prog(void *c, uint64_t r, uint64_t b, uint64_t x) { (void)c, (void)r, (void)b, (void)x; }
static void ev_done(void *c, uint64_t r, uint64_t b, uint64_t m) { (void)c, (void)r, (void)b, (void)m; }
static void ev_failed(void *c, int code, const char *m) { (void)c, (void)code, (void)m; }
static int env_status(void *ud, int t, const char *dn, pt_buf *b) { (void)ud, (void)t, (void)dn, (void)b; return 0; }
static void env_prog(void *ud, uint64_t *a, uint64_t *b, const char **s) { (void)ud, (void)a, (void)b, (void)s; }
static int rd_send(void *c, pt_buf *f, int n) { (void)c, (void)n; pt_buf_free(f); return 0; }
static void rd_error(void *c, int code, const char *m) { (void)c, (void)code, (void)m; }
static void rd_stalled(void *c, const char *m) { (void)c, (void)m; }

/* A progress record last written 10 s ago. */
static void old_record(store *s)
{
    store_batch *b = store_batch_new();
    jobrec r = {3, 30, JOBREC_DONE, 0, 0, 0};
    char text[JOBREC_MAX], err[256];
    size_t n;

    r.created_ms = r.updated_ms = (uint64_t)time(NULL) * 1000 - 10000;
    n = jobrec_encode(&r, text, sizeof(text));
    store_batch_put_meta(s, b, "old-job", 7, text, n);
    CHECK_EQ_INT(store_write(s, b, 1, err, sizeof(err)), 0);
    store_batch_free(b);
}

TEST(apply_reaches_the_modules)
{
    uv_loop_t *loop = uv_default_loop();
    char dir[64];
    store *s = fixture_store(dir, sizeof(dir));
    job_sink sink = {sink_room, sink_push, sink_done, NULL, NULL};
    job_events ev = {ev_acked, ev_prog, ev_done, ev_failed, ev_nop, ev_nop, NULL, NULL};
    session_env env = {env_status, env_prog, ev_nop, NULL, NULL};
    read_client_ops rops = {rd_send, rd_error, ev_nop, rd_stalled, NULL};
    dbs_env denv = {sink_push, NULL};
    dbs *ds;
    chunk_queue q;
    writer *w;
    jobs *js;
    reads *rd;
    sessions *ss;
    stall_monitor stall;
    bulk_policy bulk = {0, 0, 0};
    uint64_t grace = 0;
    chunk_queue_stats qs;
    pt_config a, b;
    pt_diag d;
    int ran;

    old_record(s);
    store_close(s); /* the registry opens it as the default database */
    memset(&stall, 0, sizeof(stall));
    config_init_defaults(&a);
    config_set_string(&a.data_dir, dir);
    a.job_retention_ms = 0; /* kept for ever: the record loads */
    CHECK_EQ_INT(chunk_queue_init(&q, 1 << 20, NULL, NULL), 0);
    CHECK_EQ_INT(writer_new(&w, &q, 0), 0);
    CHECK_EQ_INT(jobs_new(&js, loop, &sink, &ev), 0);
    jobs_set_retention(js, 0);
    diag_init(&d);
    CHECK_EQ_INT(dbs_new(&ds, loop, &a, js, &denv, &inflight, &d), 0);
    diag_free(&d);
    s = dbs_default_store(ds);
    CHECK_EQ_INT(reads_new(&rd, loop, &rops, 1, &inflight), 0);
    CHECK_EQ_INT(sessions_new(&ss, loop, ds, js, rd, &env), 0);
    CHECK_EQ_INT(stall_start(&stall, loop, s, 100, &inflight), 0);
    settings_target t = {&q, w, js, ss, &stall, &bulk, &sink, &grace, rd, ds};

    CHECK_EQ_INT(jobs_records_count(js), 1);

    ran = settings_apply(&t, &a, NULL); /* start-up: every hook */
    CHECK_EQ_INT(ran, PT_APPLY_COUNT - 2);
    CHECK_EQ_INT(grace, a.shutdown_grace_ms);
    CHECK_EQ_INT(bulk.min_bytes, a.bulk_min_bytes);
    CHECK_EQ_INT(bulk.enabled, 1);

    config_clone(&b, &a);
    b.queue_max_bytes = 3 << 20;
    b.log_level = PT_LOG_DEBUG;
    b.shutdown_grace_ms = 1234;
    b.job_retention_ms = 1000;
    b.bulk_profile = 0;
    ran = settings_apply(&t, &b, &a); /* a reload: only what changed */
    CHECK_EQ_INT(ran, 5);
    chunk_queue_get_stats(&q, &qs);
    CHECK_EQ_INT(qs.capacity, 3 << 20);
    CHECK_EQ_INT(pt_log_get_level(), PT_LOG_DEBUG);
    CHECK_EQ_INT(grace, 1234);
    CHECK_EQ_INT(bulk.enabled, 0);
    CHECK_EQ_INT(settings_apply(&t, &b, &b), 0); /* nothing changed */

    /* the retention now runs: the 10 s old record goes within ~1 s */
    for (int i = 0; i < 300 && !pushed.n; i++) {
        uv_run(loop, UV_RUN_NOWAIT);
        uv_sleep(10);
    }
    CHECK_EQ_INT(pushed.n, 1);
    CHECK_EQ_INT(jobs_records_count(js), 0);
    for (chunk *c; (c = chunk_list_pop(&pushed));)
        chunk_free(c);

    pt_log_set_level(PT_LOG_INFO);
    stall_stop(&stall);
    jobs_close(js);
    uv_run(loop, UV_RUN_DEFAULT);
    sessions_free(ss);
    reads_free(rd);
    uv_run(loop, UV_RUN_DEFAULT); /* the read workers' wake-up handle */
    writer_free(w);
    dbs_free(ds);
    jobs_free(js);
    chunk_queue_destroy(&q);
    config_free(&a);
    config_free(&b);
    fixture_close(NULL, dir);
}

int main(void)
{
    RUN(every_reloadable_key_has_a_hook);
    RUN(apply_reaches_the_modules);
    return CHECK_DONE();
}
