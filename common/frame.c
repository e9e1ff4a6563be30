#include "frame.h"

#include <errno.h>
#include <string.h>

static void put_le(unsigned char *o, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        o[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void pt_wr_begin(pt_wr *w, pt_buf *b, int type)
{
    unsigned char h[PT_FRAME_HEADER] = {0};

    w->b = b;
    w->start = b->len;
    w->err = 0;
    h[4] = (unsigned char)type;
    if (pt_buf_append(b, h, sizeof(h)) < 0)
        w->err = -ENOMEM;
}

static void wr_int(pt_wr *w, uint64_t v, int n)
{
    unsigned char o[8];

    if (w->err)
        return;
    put_le(o, v, n);
    if (pt_buf_append(w->b, o, (size_t)n) < 0)
        w->err = -ENOMEM;
}

void pt_wr_u8(pt_wr *w, uint8_t v) { wr_int(w, v, 1); }
void pt_wr_u16(pt_wr *w, uint16_t v) { wr_int(w, v, 2); }
void pt_wr_u32(pt_wr *w, uint32_t v) { wr_int(w, v, 4); }
void pt_wr_u64(pt_wr *w, uint64_t v) { wr_int(w, v, 8); }

void pt_wr_str(pt_wr *w, const void *s, size_t n)
{
    if (n > UINT32_MAX) {
        w->err = -EMSGSIZE;
        return;
    }
    wr_int(w, n, 4);
    if (!w->err && pt_buf_append(w->b, s, n) < 0)
        w->err = -ENOMEM;
}

void pt_wr_cstr(pt_wr *w, const char *s)
{
    pt_wr_str(w, s ? s : "", s ? strlen(s) : 0);
}

void pt_wr_patch_u32(pt_wr *w, size_t at, uint32_t v)
{
    if (!w->err && at + 4 <= w->b->len)
        put_le((unsigned char *)w->b->data + at, v, 4);
}

int pt_wr_end(pt_wr *w)
{
    size_t payload;

    if (w->err)
        return w->err;
    payload = w->b->len - w->start - PT_FRAME_HEADER;
    if (payload > UINT32_MAX)
        return w->err = -EMSGSIZE;
    put_le((unsigned char *)w->b->data + w->start, payload, 4);
    return 0;
}

void pt_rd_init(pt_rd *r, const void *payload, size_t len)
{
    r->p = payload;
    r->end = r->p + len;
    r->err = 0;
}

static uint64_t rd_int(pt_rd *r, int n)
{
    uint64_t v;

    if (r->err || r->end - r->p < n) {
        r->err = -EBADMSG;
        return 0;
    }
    v = get_le(r->p, n);
    r->p += n;
    return v;
}

uint8_t pt_rd_u8(pt_rd *r) { return (uint8_t)rd_int(r, 1); }
uint16_t pt_rd_u16(pt_rd *r) { return (uint16_t)rd_int(r, 2); }
uint32_t pt_rd_u32(pt_rd *r) { return (uint32_t)rd_int(r, 4); }
uint64_t pt_rd_u64(pt_rd *r) { return rd_int(r, 8); }

const char *pt_rd_str(pt_rd *r, size_t *len)
{
    uint32_t n = pt_rd_u32(r);
    const char *s;

    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = -EBADMSG;
        *len = 0;
        return "";
    }
    s = (const char *)r->p;
    r->p += n;
    *len = n;
    return s;
}

int pt_rd_done(const pt_rd *r)
{
    return r->err == 0 && r->p == r->end;
}

int pt_frame_peek(const void *data, size_t len, size_t max_payload,
                  int *type, size_t *payload_len)
{
    const unsigned char *h = data;
    uint64_t n;

    if (len < PT_FRAME_HEADER)
        return 0;
    if (h[5] != 0 || h[6] != 0 || h[7] != 0)
        return -EBADMSG;
    n = get_le(h, 4);
    if (n > max_payload)
        return -EMSGSIZE;
    *type = h[4];
    *payload_len = (size_t)n;
    return len - PT_FRAME_HEADER >= n ? 1 : 0;
}

const char *pt_msg_name(int type)
{
    switch (type) {
    case PT_MSG_HELLO: return "HELLO";
    case PT_MSG_HELLO_OK: return "HELLO_OK";
    case PT_MSG_ERROR: return "ERROR";
    case PT_MSG_JOB_BEGIN: return "JOB_BEGIN";
    case PT_MSG_JOB_STARTED: return "JOB_STARTED";
    case PT_MSG_ROWS: return "ROWS";
    case PT_MSG_CHUNK_ACK: return "CHUNK_ACK";
    case PT_MSG_PROGRESS: return "PROGRESS";
    case PT_MSG_JOB_END: return "JOB_END";
    case PT_MSG_JOB_DONE: return "JOB_DONE";
    case PT_MSG_GET: return "GET";
    case PT_MSG_VALUE: return "VALUE";
    case PT_MSG_COUNT: return "COUNT";
    case PT_MSG_COUNT_R: return "COUNT_R";
    case PT_MSG_EXPORT: return "EXPORT";
    case PT_MSG_EXPORT_ROWS: return "EXPORT_ROWS";
    case PT_MSG_EXPORT_END: return "EXPORT_END";
    case PT_MSG_STATUS: return "STATUS";
    case PT_MSG_STATUS_R: return "STATUS_R";
    case PT_MSG_METRICS: return "METRICS";
    case PT_MSG_METRICS_R: return "METRICS_R";
    case PT_MSG_SCAN: return "SCAN";
    case PT_MSG_MGET: return "MGET";
    case PT_MSG_MGET_VALUES: return "MGET_VALUES";
    case PT_MSG_RELOAD: return "RELOAD";
    case PT_MSG_RELOAD_R: return "RELOAD_R";
    case PT_MSG_USE: return "USE";
    case PT_MSG_USE_OK: return "USE_OK";
    case PT_MSG_DB_REQUEST: return "DB_REQUEST";
    case PT_MSG_DB_RESULT: return "DB_RESULT";
    case PT_MSG_JOB_BEGIN_BULK: return "JOB_BEGIN_BULK";
    case PT_MSG_JOB_STARTED_BULK: return "JOB_STARTED_BULK";
    case PT_MSG_BULK_PHASE: return "BULK_PHASE";
    default: return "UNKNOWN";
    }
}

const char *pt_err_name(int code)
{
    switch (code) {
    case PT_ERR_PROTOCOL: return "protocol";
    case PT_ERR_TOO_LARGE: return "too-large";
    case PT_ERR_BAD_ROW: return "bad-row";
    case PT_ERR_STORE: return "store";
    case PT_ERR_SHUTDOWN: return "shutdown";
    case PT_ERR_BUSY: return "busy";
    case PT_ERR_NO_RELATION: return "no-relation";
    case PT_ERR_VERSION: return "version";
    case PT_ERR_RETRY: return "retry";
    case PT_ERR_BAD_REQUEST: return "bad-request";
    case PT_ERR_TIMEOUT: return "timeout";
    case PT_ERR_DENIED: return "denied";
    case PT_ERR_BAD_NAME: return "bad-name";
    case PT_ERR_NO_DATABASE: return "no-database";
    case PT_ERR_EXISTS: return "exists";
    case PT_ERR_DB_BUSY: return "db-busy";
    case PT_ERR_BULK_MODE: return "bulk-mode";
    default: return "unknown";
    }
}
