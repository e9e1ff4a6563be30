/* fuzz_protocol.c - libFuzzer target: the frame header (pt_frame_peek)
 * and every message decoder of common/protocol.c.
 *
 * The first input byte picks what the rest is:
 *   0..63    one payload of that message type, decoded directly;
 *   64..255  a byte stream cut into frames by pt_frame_peek, as the
 *            daemon's connection reads them (the second byte sets the
 *            largest payload accepted), each frame decoded by its type.
 * Beyond "no crash, no read past the payload" (ASan), every payload that
 * decodes must encode back to the very same bytes: a decoder that
 * accepts trailing bytes, a short field or a count it did not check
 * would break that, and the daemon would act on something the client did
 * not send. A mismatch aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mismatch(int type, const char *what)
{
    fprintf(stderr, "fuzz_protocol: %s (type %d): %s\n", pt_msg_name(type), type, what);
    abort();
}

/* The frame in out must be one header of `type` and exactly p[0..n). */
static void same(int type, int r, const pt_buf *out, const void *p, size_t n)
{
    if (r != 0)
        mismatch(type, "re-encoding failed");
    if (out->len != PT_FRAME_HEADER + n)
        mismatch(type, "re-encoded length differs");
    if ((unsigned char)out->data[4] != (unsigned)type)
        mismatch(type, "re-encoded type differs");
    if (n && memcmp(out->data + PT_FRAME_HEADER, p, n) != 0)
        mismatch(type, "re-encoded payload differs");
}

static void hello_ok(const void *p, size_t n, pt_buf *out)
{
    pt_hello_ok m;
    pt_str name;
    char **names;
    int nul = 0;

    if (pt_dec_hello_ok(p, n, &m) < 0)
        return;
    names = calloc(m.nrel ? m.nrel : 1, sizeof(*names));
    if (!names)
        abort();
    for (uint16_t i = 0; i < m.nrel; i++) {
        if (pt_dec_hello_ok_rel(&m, &name) < 0)
            goto out;
        /* the encoder takes C strings: a name with a NUL cannot go back */
        nul |= memchr(name.p, '\0', name.n) != NULL;
        names[i] = malloc(name.n + 1);
        if (!names[i])
            abort();
        memcpy(names[i], name.p, name.n);
        names[i][name.n] = '\0';
    }
    if (pt_dec_hello_ok_end(&m) < 0 || nul)
        goto out;
    m.rel = (const char *const *)names;
    same(PT_MSG_HELLO_OK, pt_enc_hello_ok(out, &m), out, p, n);
out:
    for (uint16_t i = 0; i < m.nrel; i++)
        free(names[i]);
    free(names);
}

static void rows(int type, const void *p, size_t n, pt_buf *out)
{
    pt_rows_rd rr;
    pt_rows_wr rw;
    pt_row row;
    int r;

    if (pt_rows_rd_init(&rr, type, p, n) < 0)
        return;
    pt_rows_begin(&rw, out, type);
    while ((r = pt_rows_next(&rr, &row)) == 1)
        pt_rows_add(&rw, &row);
    if (r == 0)
        same(type, pt_rows_end(&rw), out, p, n);
}

static void mget(const void *p, size_t n, pt_buf *out)
{
    pt_mget m;
    pt_str key;
    const char **keys;
    size_t *lens;

    if (pt_dec_mget(p, n, &m) < 0)
        return;
    keys = calloc(m.n ? m.n : 1, sizeof(*keys));
    lens = calloc(m.n ? m.n : 1, sizeof(*lens));
    if (!keys || !lens)
        abort();
    for (uint32_t i = 0; i < m.n; i++) {
        if (pt_dec_mget_key(&m, &key) < 0)
            goto out;
        keys[i] = key.p;
        lens[i] = key.n;
    }
    if (pt_dec_mget_end(&m) == 0)
        same(PT_MSG_MGET, pt_enc_mget(out, m.rel, m.n, keys, lens), out, p, n);
out:
    free(keys);
    free(lens);
}

static void mget_values(const void *p, size_t n, pt_buf *out)
{
    pt_values_rd vr;
    pt_values_wr vw;
    uint8_t found;
    pt_str v;
    int r;

    if (pt_values_rd_init(&vr, p, n) < 0)
        return;
    pt_values_begin(&vw, out);
    while ((r = pt_values_next(&vr, &found, &v)) == 1)
        pt_values_add(&vw, found, v);
    if (r == 0)
        same(PT_MSG_MGET_VALUES, pt_values_end(&vw), out, p, n);
}

/* Decode one payload as `type`; when it decodes, encode it back. */
static void dispatch(int type, const void *p, size_t n)
{
    pt_buf out;
    union {
        pt_hello hello;
        pt_error_msg error;
        pt_job_started started;
        pt_chunk_ack ack;
        pt_progress progress;
        pt_job_done done;
        pt_get get;
        pt_value value;
        pt_scan scan;
        pt_str s;
        uint64_t u;
    } m;

    pt_buf_init(&out);
    switch (type) {
    case PT_MSG_HELLO:
        if (pt_dec_hello(p, n, &m.hello) == 0)
            same(type, pt_enc_hello(&out, &m.hello), &out, p, n);
        break;
    case PT_MSG_HELLO_OK:
        hello_ok(p, n, &out);
        break;
    case PT_MSG_ERROR:
        if (pt_dec_error(p, n, &m.error) == 0)
            same(type, pt_enc_error(&out, &m.error), &out, p, n);
        break;
    case PT_MSG_JOB_BEGIN:
        if (pt_dec_job_begin(p, n, &m.s) == 0)
            same(type, pt_enc_job_begin(&out, m.s), &out, p, n);
        break;
    case PT_MSG_JOB_STARTED:
        if (pt_dec_job_started(p, n, &m.started) == 0)
            same(type, pt_enc_job_started(&out, &m.started), &out, p, n);
        break;
    case PT_MSG_ROWS:
    case PT_MSG_EXPORT_ROWS:
        rows(type, p, n, &out);
        break;
    case PT_MSG_CHUNK_ACK:
        if (pt_dec_chunk_ack(p, n, &m.ack) == 0)
            same(type, pt_enc_chunk_ack(&out, &m.ack), &out, p, n);
        break;
    case PT_MSG_PROGRESS:
        if (pt_dec_progress(p, n, &m.progress) == 0)
            same(type, pt_enc_progress(&out, &m.progress), &out, p, n);
        break;
    case PT_MSG_JOB_END:
        if (pt_dec_job_end(p, n, &m.u) == 0)
            same(type, pt_enc_job_end(&out, m.u), &out, p, n);
        break;
    case PT_MSG_JOB_DONE:
        if (pt_dec_job_done(p, n, &m.done) == 0)
            same(type, pt_enc_job_done(&out, &m.done), &out, p, n);
        break;
    case PT_MSG_GET:
        if (pt_dec_get(p, n, &m.get) == 0)
            same(type, pt_enc_get(&out, &m.get), &out, p, n);
        break;
    case PT_MSG_VALUE:
        if (pt_dec_value(p, n, &m.value) == 0)
            same(type, pt_enc_value(&out, &m.value), &out, p, n);
        break;
    case PT_MSG_COUNT:
    case PT_MSG_EXPORT:
        if (pt_dec_rel_request(p, n, &m.s) == 0)
            same(type, pt_enc_rel_request(&out, type, m.s), &out, p, n);
        break;
    case PT_MSG_COUNT_R:
        if (pt_dec_u64_reply(p, n, &m.u) == 0)
            same(type, pt_enc_count_r(&out, m.u), &out, p, n);
        break;
    case PT_MSG_EXPORT_END:
        if (pt_dec_u64_reply(p, n, &m.u) == 0)
            same(type, pt_enc_export_end(&out, m.u), &out, p, n);
        break;
    case PT_MSG_STATUS:
    case PT_MSG_METRICS:
        if (pt_dec_empty(p, n) == 0)
            same(type, pt_enc_empty(&out, type), &out, p, n);
        break;
    case PT_MSG_STATUS_R:
    case PT_MSG_METRICS_R:
        if (pt_dec_text(p, n, &m.s) == 0)
            same(type, pt_enc_text(&out, type, m.s), &out, p, n);
        break;
    case PT_MSG_SCAN:
        if (pt_dec_scan(p, n, &m.scan) == 0)
            same(type, pt_enc_scan(&out, &m.scan), &out, p, n);
        break;
    case PT_MSG_MGET:
        mget(p, n, &out);
        break;
    case PT_MSG_MGET_VALUES:
        mget_values(p, n, &out);
        break;
    default:
        break;
    }
    pt_buf_free(&out);
}

/* Frames one after another, as a connection reads them. */
static void stream(const uint8_t *p, size_t n, size_t max_payload)
{
    for (;;) {
        size_t len = 0;
        int type = -1, r = pt_frame_peek(p, n, max_payload, &type, &len);

        if (r <= 0)
            return; /* more bytes needed, or a header the daemon refuses */
        if (len > max_payload || len > n - PT_FRAME_HEADER || type < 0 || type > 255)
            mismatch(type, "pt_frame_peek: a frame beyond its bounds");
        dispatch(type, p + PT_FRAME_HEADER, len);
        p += PT_FRAME_HEADER + len;
        n -= PT_FRAME_HEADER + len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] < 64) {
        dispatch(data[0], data + 1, size - 1);
    } else if (size >= 2) {
        /* 0 = no frame fits; else up to 2^(b % 24) bytes of payload */
        size_t max = data[1] == 0 ? 0 : (size_t)1 << (data[1] % 24);
        stream(data + 2, size - 2, max);
    }
    return 0;
}
