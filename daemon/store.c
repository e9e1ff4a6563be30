/* store.c - RocksDB behind a small C interface (see store.h for threads).
 *
 * RocksDB's C API reports errors through malloc'd strings in char**
 * out-parameters; they are turned into our int + message convention here
 * and nowhere else.
 */
#include "store.h"
#include "store_sst.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include <rocksdb/c.h>

#include "../common/log.h"
#include "../common/paths.h"
#include "store_fileio.h"
#include "store_share.h"
#include "store_space.h"

struct store {
    rocksdb_t *db;
    rocksdb_options_t *db_opts;
    rocksdb_options_t **cf_opts;      /* one per opened column family */
    rocksdb_column_family_handle_t **cfs; /* opened CFs, same order */
    char **cf_names;
    size_t ncf;
    size_t *rel_cf;                   /* relation index -> cfs index */
    size_t meta_cf;                   /* cfs index of STORE_META_CF */
    char **rel_names;
    size_t nrel;
    rocksdb_writeoptions_t *wo_nosync;
    rocksdb_writeoptions_t *wo_sync;
    rocksdb_writeoptions_t *wo_nowait;
    /* per relation, as configured: written by the loop thread (open,
     * reload), read by the writer thread, hence atomics, not a lock */
    struct atomic_limits *limits;
    atomic_int bulk;                  /* compaction deferred (writer thread) */
    rocksdb_readoptions_t *ro;
    rocksdb_readoptions_t *ro_scan;
    rocksdb_ratelimiter_t *limiter;
    char *data_dir;
    /* file create/close latencies, recorded by RocksDB's threads
     * (record_file_time through store_fileio.cpp); the Env behind them
     * lives until after close */
    store_fileio *fileio;
    lathist file_create;
    lathist file_close;
};

struct store_batch {
    rocksdb_writebatch_t *wb;
};

struct store_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ro;  /* its own (store_iter_open): the bounds */
    char *bounds;               /* the bound keys, which ro points into */
};

struct store_snap {
    const rocksdb_snapshot_t *snap;
    rocksdb_readoptions_t *ro;  /* reads as of snap */
};

/* RocksDB builds some messages from two parts joined with ": " where
 * the first already ends in ": " ("Could not find option: " and the
 * name), which reads "Could not find option: : name"; the doubled
 * separator is dropped here, in place, for every RocksDB message we
 * pass on. */
static char *tidy_message(char *m)
{
    char *p;

    while (m && (p = strstr(m, ": : ")) != NULL)
        memmove(p + 2, p + 4, strlen(p + 4) + 1);
    return m;
}

static void take_error(char *rerr, char *err, size_t errlen)
{
    if (errlen)
        snprintf(err, errlen, "%s", rerr ? tidy_message(rerr) : "unknown RocksDB error");
    rocksdb_free(rerr);
}

/* Apply one "name=value" through RocksDB's own option parser, so that
 * every RocksDB option works without us listing it. On failure the old
 * options stay in place and the rejection is reported at the option's
 * place in the config. */
static int apply_opt(rocksdb_options_t **o, const pt_opt *opt, pt_diag *d)
{
    rocksdb_options_t *next = rocksdb_options_create();
    pt_buf s;
    char *rerr = NULL;

    pt_buf_init(&s);
    if (pt_buf_printf(&s, "%s=%s", opt->name, opt->value) < 0) {
        rocksdb_options_destroy(next);
        return -ENOMEM;
    }
    rocksdb_get_options_from_string(*o, s.data, next, &rerr);
    pt_buf_free(&s);
    if (rerr) {
        /* Once: the options every column family shares are applied to
         * each of them. */
        diag_error_once(d, opt->file, opt->line, opt->col,
                        "RocksDB rejected %s = %s: %s", opt->name, opt->value,
                        tidy_message(rerr));
        rocksdb_free(rerr);
        rocksdb_options_destroy(next);
        return -EINVAL;
    }
    rocksdb_options_destroy(*o);
    *o = next;
    return 0;
}

/* The field a RocksDB option name sets: its part before any '.', with
 * the table factories as one, since each of those names replaces the
 * column family's one table factory. */
static size_t option_field(const char *name, const char **field)
{
    static const char tf[] = "table_factory";
    size_t n = strcspn(name, "."), t = sizeof tf - 1;

    if (n >= t && memcmp(name + n - t, tf, t) == 0) {
        *field = tf;
        return t;
    }
    *field = name;
    return n;
}

/* Whether RocksDB must see a and b in their order: they set the same
 * field, and are not two members of one struct of which neither holds
 * the other ("block_based_table_factory.block_size" and "...no_block_cache"
 * are independent; "x" and "x.y" are not). */
static int must_order(const char *a, const char *b)
{
    const char *fa, *fb;
    size_t na = option_field(a, &fa), nb = option_field(b, &fb);
    size_t la = strlen(a), lb = strlen(b), n = la < lb ? la : lb;
    size_t ta = strcspn(a, "."), tb = strcspn(b, ".");

    if (na != nb || memcmp(fa, fb, na) != 0)
        return 0;
    if (memcmp(a, b, n) == 0 && (la == lb || (la < lb ? b[la] : a[lb]) == '.'))
        return 1;
    return ta != tb || memcmp(a, b, ta) != 0;
}

/* Entries [from, to) of l in one RocksDB parse. RocksDB reads the string
 * as a map, so no two of them may need an order (apply_in_order sees to it).
 * When RocksDB rejects the batch, each entry is applied alone so that
 * every rejection is reported at its own place. */
static int apply_batch(rocksdb_options_t **o, const pt_optlist *l, size_t from, size_t to,
                       pt_diag *d)
{
    rocksdb_options_t *next;
    char *rerr = NULL;
    pt_buf s;
    int r = 0;

    if (from == to)
        return 0;
    pt_buf_init(&s);
    for (size_t i = from; r == 0 && i < to; i++)
        r = pt_buf_printf(&s, "%s%s=%s", i > from ? ";" : "", l->v[i].name, l->v[i].value);
    if (r < 0) {
        pt_buf_free(&s);
        return r;
    }
    next = rocksdb_options_create();
    rocksdb_get_options_from_string(*o, s.data, next, &rerr);
    pt_buf_free(&s);
    if (!rerr) {
        rocksdb_options_destroy(*o);
        *o = next;
        return 0;
    }
    rocksdb_free(rerr);
    rocksdb_options_destroy(next);
    for (size_t i = from; i < to; i++)
        if (apply_opt(o, &l->v[i], d) < 0)
            r = -EINVAL;
    return r;
}

/* A list of options in its order; for a scope's folded list
 * (config_scope_options), where the precedence is decided, this only
 * hands it to RocksDB. Consecutive entries that set different fields go in one parse, since
 * one parse per entry costs a copy of every option each time and RocksDB's
 * own OPTIONS files hold some 180 entries per column family; an entry
 * that must follow one already in the batch starts the next. */
static int apply_in_order(rocksdb_options_t **o, const pt_optlist *l, pt_diag *d)
{
    size_t from = 0;
    int r = 0;

    for (size_t i = 0; i <= l->n; i++) {
        int cut = i == l->n;
        for (size_t j = from; !cut && j < i; j++)
            cut = must_order(l->v[j].name, l->v[i].name);
        if (!cut)
            continue;
        if (apply_batch(o, l, from, i, d) < 0)
            r = -EINVAL;
        from = i;
    }
    return r;
}

#ifdef PT_NO_MMAP
/* Windows (meson.build sets PT_NO_MMAP): RocksDB's memory-mapped reads
 * and writes keep files mapped, which NTFS and real-time scanners handle
 * badly, so they stay off; a configuration that turns one on is refused
 * where it says so. */
static int refuse_mmap(const pt_optlist *l, rocksdb_options_t *o, pt_diag *d)
{
    static const struct {
        const char *name;
        unsigned char (*on)(rocksdb_options_t *);
    } mm[] = {
        {"allow_mmap_reads", rocksdb_options_get_allow_mmap_reads},
        {"allow_mmap_writes", rocksdb_options_get_allow_mmap_writes},
    };
    int r = 0;

    for (size_t i = 0; i < sizeof(mm) / sizeof(mm[0]); i++) {
        const pt_opt *p;

        if (!mm[i].on(o))
            continue;
        p = optlist_find(l, mm[i].name);
        diag_error(d, p ? p->file : "<options>", p ? p->line : 0, p ? p->col : 0,
                   "%s: memory-mapped files stay off on Windows", mm[i].name);
        r = -EINVAL;
    }
    return r;
}
#else
static int refuse_mmap(const pt_optlist *l, rocksdb_options_t *o, pt_diag *d)
{
    (void)l, (void)o, (void)d;
    return 0;
}
#endif

/* Every option written anywhere through RocksDB's parser, on a scratch
 * object; config_written_options says why. */
static int check_written(const pt_config *cfg, pt_diag *d)
{
    rocksdb_options_t *o = rocksdb_options_create();
    pt_optlist l;
    int r = config_written_options(cfg, &l);

    if (r == 0) {
        r = apply_in_order(&o, &l, d);
        optlist_free(&l);
    }
    rocksdb_options_destroy(o);
    return r;
}

/* Database-wide options: exactly config_scope_options(cfg, NULL). */
static int build_db_options(const pt_config *cfg, rocksdb_options_t **out,
                            pt_diag *d)
{
    rocksdb_options_t *o = rocksdb_options_create();
    pt_optlist l;
    int r = config_scope_options(cfg, NULL, &l);

    if (r == 0) {
        r = apply_in_order(&o, &l, d);
        if (refuse_mmap(&l, o, d) < 0)
            r = -EINVAL;
        optlist_free(&l);
    }
    *out = o;
    return r;
}

/* A column family's options: the database options, then exactly what
 * config_scope_options gives the relation (config_cf_base_options for a
 * column family that is no relation). */
static int build_cf_options(const pt_config *cfg, const rocksdb_options_t *db,
                            const pt_relation *rel, rocksdb_options_t **out,
                            pt_diag *d)
{
    /* Copies share the table factory object, and a live change to one
     * column family's table options changes it in place: each column
     * family gets its own copy first so a change cannot leak. An empty
     * nested value changes no option. */
    static const pt_opt own_table = {"block_based_table_factory", "{}",
                                     "<built-in>", 0, 0};
    rocksdb_options_t *o = rocksdb_options_create_copy((rocksdb_options_t *)db);
    pt_optlist l;
    int r = apply_opt(&o, &own_table, d), e;

    e = rel ? config_scope_options(cfg, rel, &l) : config_cf_base_options(cfg, &l);
    if (e == 0) {
        e = apply_in_order(&o, &l, d);
        optlist_free(&l);
    }
    *out = o;
    return e < 0 ? e : r;
}

/* What store_open checks and builds, without opening: every option
 * written, the database's, the column families' that are no relation,
 * and each relation's. */
int store_check_options(const pt_config *cfg, pt_diag *d)
{
    rocksdb_options_t *db = NULL, *cf = NULL;
    int r = check_written(cfg, d);

    if (build_db_options(cfg, &db, d) < 0)
        r = -EINVAL;
    if (build_cf_options(cfg, db, NULL, &cf, d) < 0)
        r = -EINVAL;
    rocksdb_options_destroy(cf);
    for (size_t i = 0; i < cfg->nrelations; i++) {
        if (build_cf_options(cfg, db, &cfg->relations[i], &cf, d) < 0)
            r = -EINVAL;
        rocksdb_options_destroy(cf);
    }
    rocksdb_options_destroy(db);
    return r;
}

/* Create path and its missing parents. A prefix that is already a
 * directory is skipped without a mkdir: on Windows "C:" or a share's
 * "\\\\server" cannot be made but is there. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
    char *p = strdup(path);
    int r = 0;

    if (!p)
        return -ENOMEM;
    for (char *s = p + 1; ; s++) {
        if (pt_is_path_sep(*s) || *s == '\0') {
            char c = *s;
            uv_fs_t req;
            int e, isdir;

            *s = '\0';
            e = uv_fs_stat(NULL, &req, p, NULL);
            isdir = e == 0 && (req.statbuf.st_mode & S_IFMT) == S_IFDIR;
            uv_fs_req_cleanup(&req);
            if (!isdir) {
                /* libuv's mkdir: the same call (and mode) on Windows,
                 * whose CRT mkdir takes no mode; -errno codes here. */
                e = uv_fs_mkdir(NULL, &req, p, 0750, NULL);
                uv_fs_req_cleanup(&req);
                if (e < 0 && e != UV_EEXIST) {
                    r = e;
                    snprintf(err, errlen, "cannot create %s: %s", p, uv_strerror(e));
                    break;
                }
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return r;
}

/* Column families already in the database (RocksDB insists that every
 * one is opened), plus every configured relation. */
static int collect_cf_names(store *s, const pt_config *cfg)
{
    char *rerr = NULL;
    size_t nold = 0;
    char **old = rocksdb_list_column_families(s->db_opts, s->data_dir, &nold, &rerr);
    size_t cap = nold + cfg->nrelations + 2;

    rocksdb_free(rerr); /* a new database has none: not an error */
    s->cf_names = calloc(cap, sizeof(char *));
    if (!s->cf_names)
        goto fail;
    s->cf_names[s->ncf++] = strdup("default");
    for (size_t i = 0; i < nold; i++)
        if (strcmp(old[i], "default") != 0)
            s->cf_names[s->ncf++] = strdup(old[i]);
    for (size_t i = 0; i < cfg->nrelations; i++) {
        size_t j;
        for (j = 0; j < s->ncf; j++)
            if (strcmp(s->cf_names[j], cfg->relations[i].name) == 0)
                break;
        if (j == s->ncf)
            s->cf_names[s->ncf++] = strdup(cfg->relations[i].name);
        s->rel_cf[i] = j;
    }
    for (s->meta_cf = 0; s->meta_cf < s->ncf; s->meta_cf++)
        if (strcmp(s->cf_names[s->meta_cf], STORE_META_CF) == 0)
            break;
    if (s->meta_cf == s->ncf)
        s->cf_names[s->ncf++] = strdup(STORE_META_CF);
    for (size_t j = 0; j < s->ncf; j++)
        if (!s->cf_names[j])
            goto fail;
    if (old)
        rocksdb_list_column_families_destroy(old, nold);
    return 0;
fail:
    if (old)
        rocksdb_list_column_families_destroy(old, nold);
    return -ENOMEM;
}

/* Debian's RocksDB aborts inside DB::Open when recovery finds the disk
 * full (an assertion, exit 134, no message), which under a supervisor is
 * a crash loop. Measure what the open will write first and refuse with
 * the figures; main.c exits with its own status for it. */
static int check_open_space(store *s, pt_diag *d)
{
    uint64_t wbs = 0, free_bytes;
    store_space_need need;

    for (size_t j = 0; j < s->ncf; j++) {
        uint64_t w = rocksdb_options_get_write_buffer_size(s->cf_opts[j]);
        if (w > wbs)
            wbs = w;
    }
    /* what cannot be measured is left to RocksDB, as before */
    if (pt_disk_free(s->data_dir, &free_bytes) < 0 ||
        store_space_open_need(s->data_dir, wbs, &need) < 0 || free_bytes >= need.total)
        return 0;
    diag_error(d, s->data_dir, 0, 0,
               "disk full: %s has %llu bytes free, need %llu (%llu of write-ahead log to "
               "recover, %llu of MANIFEST and OPTIONS files, %llu for a memtable); free "
               "space on it, then start again",
               s->data_dir, (unsigned long long)free_bytes, (unsigned long long)need.total,
               (unsigned long long)need.wal_bytes, (unsigned long long)need.meta_bytes,
               (unsigned long long)need.memtable_bytes);
    return -ENOSPC;
}

static const pt_relation *relation_of_cf(const pt_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nrelations; i++)
        if (strcmp(cfg->relations[i].name, name) == 0)
            return &cfg->relations[i];
    return NULL;
}

struct atomic_limits {
    atomic_uint_fast64_t wbs, max_wbn, merge, l0_slowdown, l0_stop, soft, hard, auto_c;
};

static void read_limits(rocksdb_options_t *o, struct atomic_limits *l)
{
    atomic_store(&l->wbs, rocksdb_options_get_write_buffer_size(o));
    atomic_store(&l->max_wbn, (uint64_t)rocksdb_options_get_max_write_buffer_number(o));
    atomic_store(&l->merge, (uint64_t)rocksdb_options_get_min_write_buffer_number_to_merge(o));
    atomic_store(&l->l0_slowdown,
                 (uint64_t)rocksdb_options_get_level0_slowdown_writes_trigger(o));
    atomic_store(&l->l0_stop, (uint64_t)rocksdb_options_get_level0_stop_writes_trigger(o));
    atomic_store(&l->soft, rocksdb_options_get_soft_pending_compaction_bytes_limit(o));
    atomic_store(&l->hard, rocksdb_options_get_hard_pending_compaction_bytes_limit(o));
    atomic_store(&l->auto_c, (uint64_t)!rocksdb_options_get_disable_auto_compactions(o));
}

/* store_fileio.cpp's recorder, on whichever RocksDB thread timed it. */
static void record_file_time(void *ud, int op, uint64_t us)
{
    store *s = ud;

    lathist_record_us(op == STORE_FILEIO_CLOSE ? &s->file_close : &s->file_create, us);
}

/* store_share.cpp: the shared WriteBufferManager and info LOG (its lines
 * led by dir) into database-wide options, the shared block cache into a
 * column family's own table factory. */
void store_share_apply_db(const store_share *s, rocksdb_options_t *o, const char *dir);
int store_share_apply_cf(const store_share *s, rocksdb_options_t *o, char *err, size_t errlen);

int store_open(store **out, const pt_config *cfg, pt_diag *d)
{
    return store_open_at(out, cfg, cfg->data_dir, NULL, d);
}

int store_open_at(store **out, const pt_config *cfg, const char *dir, const store_share *share,
                  pt_diag *d)
{
    store *s = calloc(1, sizeof(*s));
    char err[512], *rerr = NULL;
    int r = -ENOMEM, e;

    *out = NULL;
    if (!s)
        return -ENOMEM;
    s->data_dir = strdup(dir);
    s->rel_cf = calloc(cfg->nrelations, sizeof(size_t));
    s->rel_names = calloc(cfg->nrelations, sizeof(char *));
    if (!s->data_dir || !s->rel_cf || !s->rel_names)
        goto fail;
    s->nrel = cfg->nrelations;
    for (size_t i = 0; i < s->nrel; i++)
        if (!(s->rel_names[i] = strdup(cfg->relations[i].name)))
            goto fail;

    r = mkdir_p(s->data_dir, err, sizeof(err));
    if (r < 0) {
        diag_error(d, s->data_dir, 0, 0, "%s", err);
        goto fail;
    }
    r = check_written(cfg, d);
    e = build_db_options(cfg, &s->db_opts, d);
    if (r == 0 || e == -ENOMEM)
        r = e;
    if (r < 0)
        goto fail;
    lathist_init(&s->file_create);
    lathist_init(&s->file_close);
    if ((r = store_fileio_install(s->db_opts, record_file_time, s, &s->fileio, err,
                                  sizeof(err))) < 0) {
        diag_error(d, s->data_dir, 0, 0, "%s", err);
        goto fail;
    }
    if (share)
        store_share_apply_db(share, s->db_opts, s->data_dir);
    if (cfg->rate_limit_bytes_per_sec > 0) {
        /* Throttles flush and compaction I/O: the slow-disk harness. */
        s->limiter = rocksdb_ratelimiter_create((int64_t)cfg->rate_limit_bytes_per_sec,
                                                100 * 1000, 10);
        rocksdb_options_set_ratelimiter(s->db_opts, s->limiter);
    }
    if ((r = collect_cf_names(s, cfg)) < 0)
        goto fail;
    s->cf_opts = calloc(s->ncf, sizeof(*s->cf_opts));
    s->cfs = calloc(s->ncf, sizeof(*s->cfs));
    r = -ENOMEM;
    if (!s->cf_opts || !s->cfs)
        goto fail;
    r = 0;
    for (size_t j = 0; j < s->ncf; j++) {
        const pt_relation *rel = relation_of_cf(cfg, s->cf_names[j]);
        if (!rel && j > 0 && j != s->meta_cf)
            log_warn("%s: column family \"%s\" is in the database but not "
                     "configured as a relation; its rows are kept but not served",
                     s->data_dir, s->cf_names[j]);
        if (build_cf_options(cfg, s->db_opts, rel, &s->cf_opts[j], d) < 0)
            r = -EINVAL;
        else if (share && store_share_apply_cf(share, s->cf_opts[j], err, sizeof(err)) < 0) {
            diag_error(d, s->data_dir, 0, 0, "column family %s: %s", s->cf_names[j], err);
            r = -EINVAL;
        }
    }
    if (r < 0 || (r = check_open_space(s, d)) < 0)
        goto fail;

    s->db = rocksdb_open_column_families(s->db_opts, s->data_dir, (int)s->ncf,
                                         (const char *const *)s->cf_names,
                                         (const rocksdb_options_t *const *)s->cf_opts,
                                         s->cfs, &rerr);
    if (rerr) {
        take_error(rerr, err, sizeof(err));
        diag_error(d, s->data_dir, 0, 0, "cannot open RocksDB: %s", err);
        r = -EIO;
        goto fail;
    }
    s->wo_nosync = rocksdb_writeoptions_create();
    s->wo_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(s->wo_sync, 1);
    s->wo_nowait = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_no_slowdown(s->wo_nowait, 1);
    if (!(s->limits = calloc(s->nrel, sizeof(*s->limits)))) {
        r = -ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < s->nrel; i++)
        read_limits(s->cf_opts[s->rel_cf[i]], &s->limits[i]);
    s->ro = rocksdb_readoptions_create();
    s->ro_scan = rocksdb_readoptions_create();
    /* A full scan (export, count) should not evict the hot working set. */
    rocksdb_readoptions_set_fill_cache(s->ro_scan, 0);
    *out = s;
    return 0;
fail:
    store_close(s);
    return r;
}

void store_file_latency(store *s, lathist_snap *create, lathist_snap *close)
{
    lathist_read(&s->file_create, create);
    lathist_read(&s->file_close, close);
}

void store_close(store *s)
{
    if (!s)
        return;
    if (s->db) {
        char *rerr = NULL;
        /* Make the WAL durable whatever the sync mode was. */
        rocksdb_flush_wal(s->db, 1, &rerr);
        if (rerr) {
            log_error("%s: final WAL sync failed: %s", s->data_dir, rerr);
            rocksdb_free(rerr);
        }
        for (size_t j = 0; j < s->ncf; j++)
            if (s->cfs[j])
                rocksdb_column_family_handle_destroy(s->cfs[j]);
        rocksdb_close(s->db);
    }
    for (size_t j = 0; s->cf_opts && j < s->ncf; j++)
        if (s->cf_opts[j])
            rocksdb_options_destroy(s->cf_opts[j]);
    for (size_t j = 0; s->cf_names && j < s->ncf; j++)
        free(s->cf_names[j]);
    for (size_t i = 0; s->rel_names && i < s->nrel; i++)
        free(s->rel_names[i]);
    if (s->db_opts)
        rocksdb_options_destroy(s->db_opts);
    if (s->limiter)
        rocksdb_ratelimiter_destroy(s->limiter);
    store_fileio_free(s->fileio); /* after everything that points at its Env */
    if (s->wo_nosync)
        rocksdb_writeoptions_destroy(s->wo_nosync);
    if (s->wo_sync)
        rocksdb_writeoptions_destroy(s->wo_sync);
    if (s->wo_nowait)
        rocksdb_writeoptions_destroy(s->wo_nowait);
    free(s->limits);
    if (s->ro)
        rocksdb_readoptions_destroy(s->ro);
    if (s->ro_scan)
        rocksdb_readoptions_destroy(s->ro_scan);
    free(s->cf_opts);
    free(s->cfs);
    free(s->cf_names);
    free(s->rel_names);
    free(s->rel_cf);
    free(s->data_dir);
    free(s);
}

size_t store_nrelations(const store *s) { return s->nrel; }
const char *store_relation_name(const store *s, size_t rel) { return s->rel_names[rel]; }
const char *store_data_dir(const store *s) { return s->data_dir; }

int store_relation_index(const store *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->nrel; i++)
        if (strlen(s->rel_names[i]) == len && memcmp(s->rel_names[i], name, len) == 0)
            return (int)i;
    return -1;
}

static rocksdb_column_family_handle_t *cf_of(store *s, size_t rel)
{
    return s->cfs[s->rel_cf[rel]];
}

store_batch *store_batch_new(void)
{
    store_batch *b = malloc(sizeof(*b));
    if (!b)
        return NULL;
    b->wb = rocksdb_writebatch_create();
    return b;
}

void store_batch_free(store_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

void store_batch_put(store *s, store_batch *b, size_t rel, const char *key,
                     size_t klen, const char *val, size_t vlen)
{
    rocksdb_writebatch_put_cf(b->wb, cf_of(s, rel), key, klen, val, vlen);
}

void store_batch_del(store *s, store_batch *b, size_t rel, const char *key,
                     size_t klen)
{
    rocksdb_writebatch_delete_cf(b->wb, cf_of(s, rel), key, klen);
}

size_t store_batch_bytes(store_batch *b)
{
    size_t n = 0;
    rocksdb_writebatch_data(b->wb, &n);
    return n;
}

int store_batch_count(store_batch *b)
{
    return rocksdb_writebatch_count(b->wb);
}

void store_batch_put_meta(store *s, store_batch *b, const char *key, size_t klen,
                          const char *val, size_t vlen)
{
    rocksdb_writebatch_put_cf(b->wb, s->cfs[s->meta_cf], key, klen, val, vlen);
}

void store_batch_del_meta(store *s, store_batch *b, const char *key, size_t klen)
{
    rocksdb_writebatch_delete_cf(b->wb, s->cfs[s->meta_cf], key, klen);
}

int store_meta_scan(store *s, store_meta_cb cb, void *ud, char *err, size_t errlen)
{
    rocksdb_iterator_t *it = rocksdb_create_iterator_cf(s->db, s->ro_scan, s->cfs[s->meta_cf]);
    char *rerr = NULL;
    int r = 0;

    for (rocksdb_iter_seek_to_first(it); r == 0 && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t kl, vl;
        const char *k = rocksdb_iter_key(it, &kl);
        const char *v = rocksdb_iter_value(it, &vl);
        r = cb(ud, k, kl, v, vl);
    }
    rocksdb_iter_get_error(it, &rerr);
    rocksdb_iter_destroy(it);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    return r;
}

/* DB::Resume is not in RocksDB's C API: store_resume.cpp reaches it. */
int store_rocksdb_resume(rocksdb_t *db, char *err, size_t errlen);

int store_resume(store *s, char *err, size_t errlen)
{
    return store_rocksdb_resume(s->db, err, errlen);
}

int store_free_space(store *s, uint64_t *bytes)
{
    return pt_disk_free(s->data_dir, bytes);
}

void store_pace_limits(store *s, size_t rel, pace_limits *out)
{
    struct atomic_limits *l = &s->limits[rel];

    out->write_buffer_size = atomic_load(&l->wbs);
    out->max_write_buffer_number = atomic_load(&l->max_wbn);
    out->min_merge = atomic_load(&l->merge);
    out->l0_slowdown = atomic_load(&l->l0_slowdown);
    out->l0_stop = atomic_load(&l->l0_stop);
    out->soft_pending = atomic_load(&l->soft);
    out->hard_pending = atomic_load(&l->hard);
    out->auto_compactions = atomic_load(&l->auto_c) && !atomic_load(&s->bulk);
}

int store_set_bulk(store *s, int on, char *err, size_t errlen)
{
    static const char *const names[] = {"disable_auto_compactions"};

    for (size_t i = 0; i < s->nrel; i++) {
        const char *values[] = {on || !atomic_load(&s->limits[i].auto_c) ? "true" : "false"};
        char *rerr = NULL;
        rocksdb_set_options_cf(s->db, cf_of(s, i), 1, names, values, &rerr);
        if (rerr) {
            take_error(rerr, err, errlen);
            return -EIO;
        }
    }
    atomic_store(&s->bulk, on);
    return 0;
}

int store_bulk(store *s)
{
    return atomic_load(&s->bulk);
}

int store_rocksdb_flush_nowait(rocksdb_t *db, rocksdb_column_family_handle_t *const *cfs,
                               size_t n, char *err, size_t errlen);

int store_flush_all(store *s, char *err, size_t errlen)
{
    return store_rocksdb_flush_nowait(s->db, s->cfs, s->ncf, err, errlen);
}

/* Some properties exist only as text ("rocksdb.num-files-at-level0" is
 * one): ask for the integer form, then the text. */
static int cf_property_u64(store *s, rocksdb_column_family_handle_t *cf, const char *name,
                           uint64_t *out)
{
    char *text, *end;

    if (rocksdb_property_int_cf(s->db, cf, name, out) == 0)
        return 0;
    if (!(text = rocksdb_property_value_cf(s->db, cf, name)))
        return -ENOENT;
    *out = strtoull(text, &end, 10);
    if (end == text) {
        rocksdb_free(text);
        return -ENOENT;
    }
    rocksdb_free(text);
    return 0;
}

int store_pace_signals(store *s, size_t rel, pace_signals *out)
{
    rocksdb_column_family_handle_t *cf = cf_of(s, rel);

    if (cf_property_u64(s, cf, "rocksdb.num-immutable-mem-table", &out->immutable) ||
        cf_property_u64(s, cf, "rocksdb.cur-size-active-mem-table", &out->active_bytes) ||
        cf_property_u64(s, cf, "rocksdb.num-files-at-level0", &out->l0_files) ||
        cf_property_u64(s, cf, "rocksdb.estimate-pending-compaction-bytes", &out->pending_bytes))
        return -ENOENT;
    return 0;
}

int store_write_nowait(store *s, store_batch *b, char *err, size_t errlen)
{
    char *rerr = NULL;

    rocksdb_write(s->db, s->wo_nowait, b->wb, &rerr);
    if (!rerr)
        return 0;
    /* Status::Incomplete("Write stall") from no_slowdown */
    if (strncmp(rerr, "Result incomplete", 17) == 0) {
        rocksdb_free(rerr);
        return -EAGAIN;
    }
    take_error(rerr, err, errlen);
    return -EIO;
}

int store_write(store *s, store_batch *b, int sync, char *err, size_t errlen)
{
    char *rerr = NULL;

    rocksdb_write(s->db, sync ? s->wo_sync : s->wo_nosync, b->wb, &rerr);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    return 0;
}

int store_sync_wal(store *s, char *err, size_t errlen)
{
    char *rerr = NULL;

    rocksdb_flush_wal(s->db, 1, &rerr);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    return 0;
}

int store_get(store *s, size_t rel, const char *key, size_t klen,
              char **val, size_t *vlen, char *err, size_t errlen)
{
    char *rerr = NULL;
    char *v = rocksdb_get_cf(s->db, s->ro, cf_of(s, rel), key, klen, vlen, &rerr);

    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    if (!v)
        return 0;
    /* rocksdb_get_cf's buffer is malloc'd, but hand over our own so
     * callers free with plain free() on every platform. */
    *val = malloc(*vlen + 1);
    if (!*val) {
        rocksdb_free(v);
        return -ENOMEM;
    }
    memcpy(*val, v, *vlen);
    (*val)[*vlen] = '\0';
    rocksdb_free(v);
    return 1;
}

store_iter *store_iter_new(store *s, size_t rel)
{
    store_iter *it = calloc(1, sizeof(*it));
    if (!it)
        return NULL;
    it->it = rocksdb_create_iterator_cf(s->db, s->ro_scan, cf_of(s, rel));
    return it;
}

void store_iter_free(store_iter *it)
{
    if (!it)
        return;
    rocksdb_iter_destroy(it->it);
    if (it->ro)
        rocksdb_readoptions_destroy(it->ro);
    free(it->bounds);
    free(it);
}

void store_iter_seek_first(store_iter *it) { rocksdb_iter_seek_to_first(it->it); }
int store_iter_valid(store_iter *it) { return rocksdb_iter_valid(it->it); }
void store_iter_next(store_iter *it) { rocksdb_iter_next(it->it); }

const char *store_iter_key(store_iter *it, size_t *len)
{
    return rocksdb_iter_key(it->it, len);
}

const char *store_iter_value(store_iter *it, size_t *len)
{
    return rocksdb_iter_value(it->it, len);
}

store_snap *store_snap_new(store *s)
{
    store_snap *sn = malloc(sizeof(*sn));

    if (!sn)
        return NULL;
    sn->snap = rocksdb_create_snapshot(s->db);
    sn->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_snapshot(sn->ro, sn->snap);
    return sn;
}

void store_snap_free(store *s, store_snap *sn)
{
    if (!sn)
        return;
    rocksdb_readoptions_destroy(sn->ro);
    rocksdb_release_snapshot(s->db, sn->snap);
    free(sn);
}

store_iter *store_iter_open(store *s, size_t rel, const store_snap *sn, const store_range *r,
                            int fill_cache)
{
    store_iter *it = calloc(1, sizeof(*it));
    size_t lo = r && r->lower ? r->lower_len : 0, hi = r && r->upper ? r->upper_len : 0;

    if (!it || !(it->bounds = malloc(lo + hi + 1))) {
        free(it);
        return NULL;
    }
    /* RocksDB keeps pointers to the bound keys and the options for the
     * iterator's life: both belong to the iterator. */
    it->ro = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(it->ro, (unsigned char)(fill_cache != 0));
    if (sn)
        rocksdb_readoptions_set_snapshot(it->ro, sn->snap);
    if (r && r->lower) {
        memcpy(it->bounds, r->lower, lo);
        rocksdb_readoptions_set_iterate_lower_bound(it->ro, it->bounds, lo);
    }
    if (r && r->upper) {
        memcpy(it->bounds + lo, r->upper, hi);
        rocksdb_readoptions_set_iterate_upper_bound(it->ro, it->bounds + lo, hi);
    }
    it->it = rocksdb_create_iterator_cf(s->db, it->ro, cf_of(s, rel));
    return it;
}

void store_iter_seek(store_iter *it, const char *key, size_t len)
{
    rocksdb_iter_seek(it->it, key, len);
}

void store_iter_seek_for_prev(store_iter *it, const char *key, size_t len)
{
    rocksdb_iter_seek_for_prev(it->it, key, len);
}

void store_iter_seek_last(store_iter *it) { rocksdb_iter_seek_to_last(it->it); }
void store_iter_prev(store_iter *it) { rocksdb_iter_prev(it->it); }

int store_multiget(store *s, size_t rel, const store_snap *sn, size_t n,
                   const char *const *keys, const size_t *klens, store_value_cb cb,
                   void *ud, char *err, size_t errlen)
{
    rocksdb_pinnableslice_t **vals = calloc(n ? n : 1, sizeof(*vals));
    char **errs = calloc(n ? n : 1, sizeof(*errs));
    int r = 0;

    if (!vals || !errs) {
        free(vals);
        free(errs);
        return -ENOMEM;
    }
    /* The batched form: values stay pinned in RocksDB's blocks (no copy)
     * and lookups that share a block or file are made together. */
    rocksdb_batched_multi_get_cf(s->db, sn ? sn->ro : s->ro, cf_of(s, rel), n, keys, klens,
                                 vals, errs, false);
    for (size_t i = 0; i < n; i++) {
        if (errs[i]) {
            if (r == 0)
                take_error(errs[i], err, errlen);
            else
                rocksdb_free(errs[i]);
            r = -EIO;
        } else if (r == 0) {
            size_t vlen = 0;
            const char *v = vals[i] ? rocksdb_pinnableslice_value(vals[i], &vlen) : NULL;
            cb(ud, i, v, vlen);
        }
        if (vals[i])
            rocksdb_pinnableslice_destroy(vals[i]);
    }
    free(vals);
    free(errs);
    return r;
}

int store_iter_status(store_iter *it, char *err, size_t errlen)
{
    char *rerr = NULL;

    rocksdb_iter_get_error(it->it, &rerr);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    return 0;
}

int store_count(store *s, size_t rel, uint64_t *n, char *err, size_t errlen)
{
    store_iter *it = store_iter_new(s, rel);
    uint64_t c = 0;
    int r;

    if (!it)
        return -ENOMEM;
    for (store_iter_seek_first(it); store_iter_valid(it); store_iter_next(it))
        c++;
    r = store_iter_status(it, err, errlen);
    store_iter_free(it);
    *n = c;
    return r;
}

int store_checkpoint(store *s, const char *dir, char *err, size_t errlen)
{
    char *rerr = NULL;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, &rerr);

    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    /* 0: flush the memtables first, so the copy is SST files (linked)
     * and no write-ahead log needs replaying when it opens */
    rocksdb_checkpoint_create(cp, dir, 0, &rerr);
    rocksdb_checkpoint_object_destroy(cp);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EIO;
    }
    return 0;
}

int store_property_u64(store *s, const char *name, int per_cf, uint64_t *out)
{
    uint64_t v, sum = 0;

    if (!per_cf) {
        if (rocksdb_property_int(s->db, name, &v) != 0)
            return -ENOENT;
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < s->nrel; i++) {
        if (cf_property_u64(s, cf_of(s, i), name, &v) != 0)
            return -ENOENT;
        sum += v;
    }
    *out = sum;
    return 0;
}

char *store_property_text(store *s, const char *name)
{
    char *v = rocksdb_property_value(s->db, name), *copy;

    if (!v)
        return NULL;
    copy = strdup(v);
    rocksdb_free(v);
    return copy;
}

/* SetDBOptions is not in RocksDB 7.8's C API: store_dbopts.cpp reaches it. */
int store_rocksdb_set_db_options(rocksdb_t *db, size_t n, const char *const *names,
                                 const char *const *values, char *err, size_t errlen);

/* Keep the options object the store opened with equal to what RocksDB
 * now runs, for whoever reads it later. A failure here changes nothing
 * live, so it is only logged. */
static void mirror_options(rocksdb_options_t **o, size_t n, const char *const *names,
                           const char *const *values)
{
    pt_diag quiet;

    diag_init(&quiet);
    for (size_t i = 0; i < n; i++) {
        pt_opt opt = {(char *)names[i], (char *)values[i], "<reload>", 0, 0};
        if (apply_opt(o, &opt, &quiet) < 0)
            log_debug("options copy not updated for %s: %s", names[i], diag_text(&quiet));
    }
    diag_free(&quiet);
}

int store_set_options(store *s, int rel, size_t n, const char *const *names,
                      const char *const *values, char *err, size_t errlen)
{
    char *rerr = NULL;
    size_t j;

    if (n == 0)
        return 0;
    if (n > INT32_MAX)
        return -EINVAL;
    if (rel < 0) {
        int r = store_rocksdb_set_db_options(s->db, n, names, values, err, errlen);
        if (r == 0)
            mirror_options(&s->db_opts, n, names, values);
        return r;
    }
    if ((size_t)rel >= s->nrel)
        return -EINVAL;
    j = s->rel_cf[rel];
    rocksdb_set_options_cf(s->db, s->cfs[j], (int)n, names, values, &rerr);
    if (rerr) {
        take_error(rerr, err, errlen);
        return -EINVAL;
    }
    mirror_options(&s->cf_opts[j], n, names, values);
    read_limits(s->cf_opts[j], &s->limits[rel]);
    return 0;
}

/* The handles store_sst.cpp needs (store_sst.h). */
struct rocksdb_t *store_rocksdb(store *s) { return s->db; }

static size_t cf_index(const store *s, int rel)
{
    return rel < 0 ? s->meta_cf : s->rel_cf[rel];
}

struct rocksdb_column_family_handle_t *store_cf_handle(store *s, int rel)
{
    return s->cfs[cf_index(s, rel)];
}

struct rocksdb_options_t *store_cf_options(store *s, int rel)
{
    return s->cf_opts[cf_index(s, rel)] ? s->cf_opts[cf_index(s, rel)] : s->db_opts;
}

rocksdb_writebatch_t *store_batch_handle(store_batch *b) { return b->wb; }

const char *store_batch_data(store_batch *b, size_t *len)
{
    return rocksdb_writebatch_data(b->wb, len);
}
