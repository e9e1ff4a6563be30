#include "jobrec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t jobrec_encode(const jobrec *r, char *out, size_t outlen)
{
    int n = snprintf(out, outlen,
                     "v1 rows=%" PRIu64 " bytes=%" PRIu64 " state=%s created_ms=%" PRIu64
                     " updated_ms=%" PRIu64,
                     r->rows, r->bytes, r->state == JOBREC_DONE ? "done" : "running",
                     r->created_ms, r->updated_ms);
    return n < 0 ? 0 : (size_t)n < outlen ? (size_t)n : outlen - 1;
}

int jobrec_decode(const char *text, size_t len, jobrec *r)
{
    char buf[JOBREC_MAX], state[16];
    int used = 0;

    if (len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (sscanf(buf, "v1 rows=%" SCNu64 " bytes=%" SCNu64 " state=%15s created_ms=%" SCNu64
                    " updated_ms=%" SCNu64 "%n",
               &r->rows, &r->bytes, state, &r->created_ms, &r->updated_ms, &used) != 5 ||
        (size_t)used != len)
        return -EINVAL;
    if (strcmp(state, "done") == 0)
        r->state = JOBREC_DONE;
    else if (strcmp(state, "running") == 0)
        r->state = JOBREC_RUNNING;
    else
        return -EINVAL;
    return 0;
}
