/* The chunker: every chunk bounded by rows AND bytes, order kept, the
 * job's row offset carried, a lone oversized row on its own. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "daemon/chunk.h"
#include "daemon/store.h"

static store *s;
static char dir[] = "/tmp/pt-chunker-XXXXXX";

static void open_store(void)
{
    pt_config c;
    pt_diag d;

    CHECK(mkdtemp(dir) != NULL);
    config_init_defaults(&c);
    config_set_string(&c.data_dir, dir);
    diag_init(&d);
    CHECK_EQ_INT(store_open(&s, &c, &d), 0);
    diag_free(&d);
    config_free(&c);
}

static void add(chunker *ck, chunk_list *out, size_t klen, size_t vlen)
{
    static char buf[1 << 16];
    CHECK_EQ_INT(chunker_add(ck, s, 0, 0, buf, klen, buf, vlen, out), 0);
}

TEST(bounded_by_rows)
{
    chunker ck;
    chunk_list out = {0};
    chunk *c;

    chunker_init(&ck, 3, 1 << 20);
    for (int i = 0; i < 10; i++)
        add(&ck, &out, 10, 10);
    CHECK_EQ_INT(out.n, 3);           /* 3+3+3 sealed, 1 building */
    CHECK(chunker_pending(&ck));
    chunker_flush(&ck, 1, &out);
    CHECK_EQ_INT(out.n, 4);
    uint64_t end = 0;
    while ((c = chunk_list_pop(&out))) {
        CHECK(c->rows <= 3);
        CHECK_EQ_INT(c->end_row, end + c->rows);
        CHECK_EQ_INT(c->rows, store_batch_count(c->batch));
        end = c->end_row;
        CHECK_EQ_INT(c->final, c->end_row == 10);
        chunk_free(c);
    }
    CHECK_EQ_INT(end, 10);
    chunker_free(&ck);
}

TEST(bounded_by_bytes)
{
    chunker ck;
    chunk_list out = {0};
    chunk *c;
    uint64_t rows = 0;

    /* 1000 rows of 100+100 bytes: 216 with overhead; 4096-byte chunks. */
    chunker_init(&ck, 1000000, 4096);
    for (int i = 0; i < 1000; i++)
        add(&ck, &out, 100, 100);
    chunker_flush(&ck, 0, &out);
    while ((c = chunk_list_pop(&out))) {
        CHECK(c->cost <= 4096);
        CHECK_EQ_INT(c->bytes, c->rows * 200);
        CHECK(c->mem >= c->bytes); /* the batch's real size */
        rows += c->rows;
        chunk_free(c);
    }
    CHECK_EQ_INT(rows, 1000);
    chunker_free(&ck);
}

TEST(oversized_row_alone)
{
    chunker ck;
    chunk_list out = {0};
    chunk *c;

    chunker_init(&ck, 100, 1000);
    add(&ck, &out, 10, 10);
    add(&ck, &out, 10, 5000); /* seals the first, then itself */
    add(&ck, &out, 10, 10);
    CHECK_EQ_INT(out.n, 2);
    c = chunk_list_pop(&out);
    CHECK_EQ_INT(c->rows, 1);
    CHECK_EQ_INT(c->bytes, 20);
    chunk_free(c);
    c = chunk_list_pop(&out);
    CHECK_EQ_INT(c->rows, 1);
    CHECK_EQ_INT(c->bytes, 5010);
    chunk_free(c);
    chunker_free(&ck); /* frees the building chunk */
}

TEST(final_flush_of_nothing_is_an_empty_final_chunk)
{
    chunker ck;
    chunk_list out = {0};
    chunk *c;

    chunker_init(&ck, 10, 1000);
    CHECK_EQ_INT(chunker_flush(&ck, 0, &out), 0);
    CHECK_EQ_INT(out.n, 0); /* nothing to seal */
    CHECK_EQ_INT(chunker_flush(&ck, 1, &out), 0);
    CHECK_EQ_INT(out.n, 1);
    c = chunk_list_pop(&out);
    CHECK_EQ_INT(c->rows, 0);
    CHECK(c->final);
    chunk_free(c);
}

TEST(exact_fit_seals_immediately)
{
    chunker ck;
    chunk_list out = {0};
    chunk *c;

    /* two rows of cost 500 fill 1000 exactly */
    chunker_init(&ck, 100, 1000);
    add(&ck, &out, 100, 400 - CHUNK_ROW_OVERHEAD + 100 - 100);
    add(&ck, &out, 100, 400 - CHUNK_ROW_OVERHEAD);
    CHECK_EQ_INT(out.n, 1);
    CHECK(!chunker_pending(&ck));
    while ((c = chunk_list_pop(&out)))
        chunk_free(c);
}

int main(void)
{
    open_store();
    RUN(bounded_by_rows);
    RUN(bounded_by_bytes);
    RUN(oversized_row_alone);
    RUN(final_flush_of_nothing_is_an_empty_final_chunk);
    RUN(exact_fit_seals_immediately);
    store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
