/* reload.c - SIGHUP: apply what can change on a live daemon (see
 * reload.h for threads and rules). */
#include "reload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"

#define MAX_RESTART_KEYS 64
#define LAST_ERROR_MAX 4096

struct reloader {
    uv_loop_t *loop;
    store *s;
    reload_ops ops;
    uint64_t *inflight;
    /* The RocksDB options that run, per scope (the database, then each
     * relation in store order), so that a change RocksDB refused is still
     * reported, and tried again, on the next reload. NULL before the
     * first reload. Owned by the work item while `busy`. */
    pt_optlist *running;
    size_t nrunning;
    char **needs_restart;
    size_t nneeds_restart;
    char *last_error;
    uint64_t reloads, refused;
    struct reload_work *busy;
    pt_config *pending;
};

typedef struct strlist {
    char **v;
    size_t n;
} strlist;

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int strlist_add(strlist *l, const char *scope, const char *name)
{
    size_t n = strlen(scope) + strlen(name) + 1;
    char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    char *s = malloc(n);

    if (v)
        l->v = v;
    if (!v || !s) {
        free(s);
        return -ENOMEM;
    }
    snprintf(s, n, "%s%s", scope, name);
    l->v[l->n++] = s;
    return 0;
}

/* The relation of store relation i in c, or NULL. */
static const pt_relation *rel_in(const pt_config *c, reloader *d, size_t i)
{
    return config_relation(c, store_relation_name(d->s, i));
}

/* What RocksDB was opened with: the configuration the daemon started on. */
static int running_init(reloader *d, const pt_config *live)
{
    size_t n = 1 + store_nrelations(d->s);
    int r = 0;

    if (d->running)
        return 0;
    d->running = calloc(n, sizeof(pt_optlist));
    if (!d->running)
        return -ENOMEM;
    d->nrunning = n;
    r = config_scope_options(live, NULL, &d->running[0]);
    for (size_t i = 1; r == 0 && i < n; i++) {
        const pt_relation *rel = rel_in(live, d, i - 1);
        if (rel)
            r = config_scope_options(live, rel, &d->running[i]);
    }
    return r;
}

/* The values l gives name, in order, joined: a plain option has one, a
 * nested one ("{...}") one per layer that sets it. Compared as a whole. */
static int same_values(const pt_optlist *a, const pt_optlist *b, const char *name)
{
    size_t i = 0, j = 0;

    for (;;) {
        while (i < a->n && strcmp(a->v[i].name, name) != 0)
            i++;
        while (j < b->n && strcmp(b->v[j].name, name) != 0)
            j++;
        if (i == a->n || j == b->n)
            return i == a->n && j == b->n;
        if (strcmp(a->v[i].value, b->v[j].value) != 0)
            return 0;
        i++;
        j++;
    }
}

/* First entry of name in l before index `before` (a name seen already). */
static int seen_before(const pt_optlist *l, size_t before, const char *name)
{
    for (size_t i = 0; i < before; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return 1;
    return 0;
}

/* Hand RocksDB every value of name, in order. */
static int set_one(reloader *d, int rel, const pt_optlist *l, const char *name,
                   char *err, size_t errlen)
{
    int r = 0;

    for (size_t i = 0; r == 0 && i < l->n; i++) {
        const char *n = l->v[i].name, *v = l->v[i].value;
        if (strcmp(n, name) == 0)
            r = store_set_options(d->s, rel, 1, &n, &v, err, errlen);
    }
    return r;
}

typedef struct scope_change {
    const char **names;   /* changed names, one entry each */
    size_t n;
    unsigned char *refused;
} scope_change;

/* All changed plain options in one call (one OPTIONS file written); when
 * RocksDB refuses the set, each on its own, to learn which it refuses.
 * Nested values ("{...}") go one by one, in layer order, as RocksDB merges
 * each into what is there. */
static void apply_changes(reloader *d, int rel, const pt_optlist *neu,
                          scope_change *ch, const char *scope)
{
    const char **names = calloc(ch->n, sizeof(char *));
    const char **values = calloc(ch->n, sizeof(char *));
    char err[512];
    size_t k = 0;
    int batched = 0;

    for (size_t i = 0; names && values && i < ch->n; i++) {
        const pt_opt *o = optlist_find(neu, ch->names[i]);
        if (o->value[0] != '{') {
            names[k] = o->name;
            values[k++] = o->value;
        }
    }
    if (k > 0)
        batched = store_set_options(d->s, rel, k, names, values, err, sizeof err) == 0;
    for (size_t i = 0; i < ch->n; i++) {
        const pt_opt *o = optlist_find(neu, ch->names[i]);
        if (batched && o->value[0] != '{')
            continue;
        if (set_one(d, rel, neu, ch->names[i], err, sizeof err) < 0) {
            ch->refused[i] = 1;
            log_warn("reload: %s%s = %s (%s:%u) not applied, needs restart: RocksDB: %s",
                     scope, o->name, o->value, o->file, o->line, err);
        }
    }
    free(names);
    free(values);
}

/* What runs after the reload: the file's entries, except for names
 * RocksDB refused or the file dropped, which keep what runs. */
static int next_running(const pt_optlist *run, const pt_optlist *neu,
                        const scope_change *ch, pt_optlist *out)
{
    int r = 0;

    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; r == 0 && i < neu->n; i++) {
        size_t c;
        for (c = 0; c < ch->n && strcmp(ch->names[c], neu->v[i].name) != 0; c++)
            ;
        if (c == ch->n || !ch->refused[c])
            r = optlist_append(out, &neu->v[i]);
    }
    for (size_t i = 0; r == 0 && i < run->n; i++) {
        size_t c;
        for (c = 0; c < ch->n && strcmp(ch->names[c], run->v[i].name) != 0; c++)
            ;
        if ((c < ch->n && ch->refused[c]) || !optlist_find(neu, run->v[i].name))
            r = optlist_append(out, &run->v[i]);
    }
    return r;
}

/* One scope: rel < 0 for the database. Names that need a restart are
 * added to restart as "<scope><name>". */
static int reload_scope(reloader *d, int rel, const pt_optlist *neu,
                        const char *scope, strlist *restart)
{
    pt_optlist *run = &d->running[rel + 1], next;
    scope_change ch = {NULL, 0, NULL};
    int r = 0;

    ch.names = calloc(neu->n + 1, sizeof(char *));
    ch.refused = calloc(neu->n + 1, 1);
    if (!ch.names || !ch.refused) {
        r = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < neu->n; i++)
        if (!seen_before(neu, i, neu->v[i].name) && !same_values(run, neu, neu->v[i].name))
            ch.names[ch.n++] = neu->v[i].name;
    if (ch.n)
        apply_changes(d, rel, neu, &ch, scope);
    for (size_t i = 0; r == 0 && i < ch.n; i++)
        if (ch.refused[i])
            r = strlist_add(restart, scope, ch.names[i]);
        else
            log_info("reload: %s%s = %s applied", scope, ch.names[i],
                     optlist_find(neu, ch.names[i])->value);
    for (size_t i = 0; r == 0 && i < run->n; i++)
        if (!seen_before(run, i, run->v[i].name) && !optlist_find(neu, run->v[i].name)) {
            log_warn("reload: %s%s removed from the configuration; RocksDB keeps %s "
                     "until a restart", scope, run->v[i].name, run->v[i].value);
            r = strlist_add(restart, scope, run->v[i].name);
        }
    if (r == 0 && (r = next_running(run, neu, &ch, &next)) == 0) {
        optlist_free(run);
        *run = next;
    }
out:
    free(ch.names);
    free(ch.refused);
    return r;
}

/* Every scope RocksDB was opened with, against the new configuration. */
static int reload_options(reloader *d, const pt_config *neu, strlist *restart)
{
    char scope[PT_RELATION_NAME_MAX + 32];
    pt_optlist l;
    int r;

    if ((r = config_scope_options(neu, NULL, &l)) == 0) {
        r = reload_scope(d, -1, &l, "rocksdb.db_options.", restart);
        optlist_free(&l);
    }
    for (size_t i = 0; r == 0 && i < store_nrelations(d->s); i++) {
        const pt_relation *rel = rel_in(neu, d, i);
        if (!rel)
            continue; /* the relation set changed: reported as such */
        snprintf(scope, sizeof scope, "relations.%s.cf_options.", rel->name);
        if ((r = config_scope_options(neu, rel, &l)) == 0) {
            r = reload_scope(d, (int)i, &l, scope, restart);
            optlist_free(&l);
        }
    }
    return r;
}

typedef struct reload_work {
    uv_work_t work;
    reloader *d;
    pt_config neu;
    strlist restart;
    pt_diag diag;   /* what needs a restart, for the log */
    int nkeys;
    int r;          /* reload_options' status */
} reload_work;

static int start_reload(reloader *d, const pt_config *neu);

/* What a work item still owns (the restart list, until it is handed to
 * d->reload); config_free and diag_free leave their structs empty. */
static void reload_work_free(reload_work *rw)
{
    strlist_free(&rw->restart);
    config_free(&rw->neu);
    diag_free(&rw->diag);
    free(rw);
}

/* Thread pool: compare and hand over the RocksDB options. */
static void reload_work_cb(uv_work_t *w)
{
    reload_work *rw = w->data;

    rw->r = reload_options(rw->d, &rw->neu, &rw->restart);
}

/* Loop thread: the rest of the reload, now that RocksDB has answered. */
static void reload_after_cb(uv_work_t *w, int status)
{
    reload_work *rw = w->data;
    reloader *d = rw->d;
    pt_config next, *pending = d->pending, *live = d->ops.live(d->ops.ud);

    (*d->inflight)--;
    d->busy = NULL;
    d->pending = NULL;
    if (status < 0 || rw->r < 0 || config_clone(&next, &rw->neu) < 0) {
        /* Options RocksDB took are live; the tracking says so. The rest
         * of the reload did not happen. */
        log_error("reload: %s; settings other than RocksDB options unchanged",
                  status < 0 ? uv_strerror(status) : "out of memory");
        goto out;
    }
    /* What runs is described by the live configuration: restart-only keys
     * keep their values. */
    config_keep_restart_keys(&next, live);
    d->ops.install(d->ops.ud, &next);

    for (size_t i = 0; i < d->nneeds_restart; i++)
        free(d->needs_restart[i]);
    free(d->needs_restart);
    d->needs_restart = rw->restart.v;
    d->nneeds_restart = rw->restart.n;
    rw->restart = (strlist){NULL, 0}; /* d's now */
    free(d->last_error);
    d->last_error = NULL;
    d->reloads++;
    if (rw->nkeys)
        log_warn("reload: %d setting(s) need a restart to take effect:\n%.*s", rw->nkeys,
                 (int)(rw->diag.text.len ? rw->diag.text.len - 1 : 0), diag_text(&rw->diag));
    live = d->ops.live(d->ops.ud);
    log_info("reloaded configuration from %s (%zu setting(s) wait for a restart)",
             live->path ? live->path : "(built-in)", d->nneeds_restart);
out:
    reload_work_free(rw);
    if (pending) {
        start_reload(d, pending);
        config_free(pending);
        free(pending);
    }
    if (!d->busy)
        d->ops.done(d->ops.ud);
}

/* 0 once the work item is queued; otherwise logged, nothing changed. */
static int start_reload(reloader *d, const pt_config *neu)
{
    const char *keys[MAX_RESTART_KEYS];
    reload_work *rw = calloc(1, sizeof(*rw));
    int r = -ENOMEM;

    if (!rw)
        goto fail;
    rw->d = d;
    rw->work.data = rw;
    diag_init(&rw->diag);
    if (config_clone(&rw->neu, neu) < 0)
        goto fail;
    rw->nkeys = config_diff_needs_restart(d->ops.live(d->ops.ud), &rw->neu, &rw->diag, keys,
                                          MAX_RESTART_KEYS);
    for (int i = 0; i < rw->nkeys && i < MAX_RESTART_KEYS; i++)
        if (strlist_add(&rw->restart, "", keys[i]) < 0)
            goto fail;
    /* what RocksDB was opened with, before the live configuration changes */
    if (running_init(d, d->ops.live(d->ops.ud)) < 0)
        goto fail;
    if ((r = uv_queue_work(d->loop, &rw->work, reload_work_cb, reload_after_cb)) < 0)
        goto fail;
    (*d->inflight)++;
    d->busy = rw;
    return 0;
fail:
    log_error("reload: %s; nothing changed", r == -ENOMEM ? "out of memory" : uv_strerror(r));
    if (rw)
        reload_work_free(rw);
    return r;
}

int reload_start(reloader *d, const pt_config *neu)
{
    pt_config *copy;
    int r;

    if (!d->busy) {
        if ((r = start_reload(d, neu)) < 0)
            d->ops.done(d->ops.ud); /* it failed at once, logged */
        return r;
    }
    /* One runs: the newest file follows it. */
    if (!(copy = calloc(1, sizeof(*copy))) || config_clone(copy, neu) < 0) {
        free(copy);
        log_error("reload: out of memory; nothing changed");
        return -ENOMEM;
    }
    reload_drop_pending(d);
    d->pending = copy;
    return 0;
}

void reload_drop_pending(reloader *d)
{
    if (d->pending) {
        config_free(d->pending);
        free(d->pending);
        d->pending = NULL;
    }
}

/* The error lines of diagnostics (warnings left out), at most
 * LAST_ERROR_MAX bytes, without the last newline. */
static char *error_lines(const char *why)
{
    char *out = malloc(LAST_ERROR_MAX + 1);
    size_t o = 0;

    if (!out)
        return NULL;
    while (*why) {
        const char *nl = strchr(why, '\n');
        size_t n = nl ? (size_t)(nl - why) + 1 : strlen(why);
        int warning = strstr(why, ": warning: ") && strstr(why, ": warning: ") < why + n;
        if (!warning && o + n <= LAST_ERROR_MAX) {
            memcpy(out + o, why, n);
            o += n;
        }
        why += n;
    }
    while (o > 0 && out[o - 1] == '\n')
        o--;
    out[o] = '\0';
    return out;
}

void reload_refused(reloader *d, const char *file, const char *why)
{
    log_error("reload of %s refused, nothing changed:\n%.*s", file,
              (int)(strlen(why) && why[strlen(why) - 1] == '\n' ? strlen(why) - 1
                                                               : strlen(why)),
              why);
    free(d->last_error);
    d->last_error = error_lines(why);
    d->refused++;
}

int reloader_new(reloader **out, uv_loop_t *loop, store *s, const reload_ops *ops,
                 uint64_t *inflight)
{
    reloader *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (!d)
        return -ENOMEM;
    d->loop = loop;
    d->s = s;
    d->ops = *ops;
    d->inflight = inflight;
    *out = d;
    return 0;
}

void reload_get_info(const reloader *d, reload_info *out)
{
    out->needs_restart = (const char *const *)d->needs_restart;
    out->nneeds_restart = d->nneeds_restart;
    out->last_error = d->last_error;
    out->reloads = d->reloads;
    out->refused = d->refused;
}

void reloader_free(reloader *d)
{
    if (!d)
        return;
    reload_drop_pending(d);
    for (size_t i = 0; d->running && i < d->nrunning; i++)
        optlist_free(&d->running[i]);
    free(d->running);
    for (size_t i = 0; i < d->nneeds_restart; i++)
        free(d->needs_restart[i]);
    free(d->needs_restart);
    free(d->last_error);
    free(d);
}
