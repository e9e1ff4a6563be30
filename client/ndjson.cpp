/* ndjson.cpp - one NDJSON input row -> (op, rel, key, value) with simdjson.
 *
 * How a line is handled:
 *  1. Leading/trailing JSON whitespace (including a CRLF's '\r') is
 *     trimmed; nothing left -> -ENODATA.
 *  2. simdjson's DOM parser validates the whole line (grammar, UTF-8,
 *     escapes, numbers) in place: the caller guarantees NDJSON_PADDING
 *     (== SIMDJSON_PADDING) readable bytes after the line, so no copy.
 *  3. The root object's members are checked on the DOM (names, types,
 *     duplicates); rel and key come back unescaped from the parser's
 *     string storage.
 *  4. The value's JSON text is NOT re-serialized from the DOM (that would
 *     normalize escapes). A small scanner over the already validated text
 *     finds the raw byte range of the top-level "value" member. Text
 *     that is already compact (no whitespace outside strings: what JSON
 *     writers emit by default) is returned where it is, in the line;
 *     otherwise simdjson::minify() (text level, strings verbatim) copies
 *     it without that whitespace into a buffer owned by the parser.
 *
 * simdjson's DOM parser rejects integers outside the int64/uint64 range
 * and doubles that overflow (1e400), which are valid JSON. For those
 * lines (NUMBER_ERROR only, so never on the hot path) the line is copied,
 * every number token outside strings is checked against the JSON number
 * grammar here and replaced by "0" plus spaces (same length), and the copy
 * is validated instead. Offsets are unchanged, so the value's text is
 * still taken from the original line.
 *
 * Nothing is allocated per line in the steady state: the dom::parser and
 * the output buffer grow to the largest line seen and are reused.
 * No exception crosses the C boundary: only simdjson's error-code API is
 * used, and allocations are nothrow or caught.
 */
#include "ndjson.h"

#include <simdjson.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

static_assert(NDJSON_PADDING >= simdjson::SIMDJSON_PADDING,
              "NDJSON_PADDING must cover simdjson's padding");

struct ndjson_parser {
    simdjson::dom::parser dom;
    char *out = nullptr;      /* minified value */
    size_t out_cap = 0;
    char *scratch = nullptr;  /* big-number fallback copy of the line */
    size_t scratch_cap = 0;

    ~ndjson_parser()
    {
        std::free(out);
        std::free(scratch);
    }
};

namespace {

inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Grow a malloc'd buffer to at least `need` bytes; false on ENOMEM. */
bool reserve(char *&buf, size_t &cap, size_t need)
{
    if (cap >= need)
        return true;
    size_t n = cap ? cap : 4096;
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            n = need;
            break;
        }
        n *= 2;
    }
    char *p = static_cast<char *>(std::realloc(buf, n));
    if (!p)
        return false;
    buf = p;
    cap = n;
    return true;
}

void set_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* A member name for a one-line message: quote and backslash escaped,
 * control characters as \u00xx, the rest raw (input is valid UTF-8),
 * cut at about 64 bytes (at a UTF-8 boundary) with "..." appended. */
void quote_name(std::string_view s, char *dst)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    const size_t limit = 64;
    size_t i = 0;
    for (; i < s.size() && o < limit; i++) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            dst[o++] = '\\';
            dst[o++] = 'u';
            dst[o++] = '0';
            dst[o++] = '0';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else {
            dst[o++] = static_cast<char>(c);
        }
    }
    if (i < s.size()) {
        /* Do not leave half a UTF-8 sequence behind. */
        while (o > 0 && (static_cast<unsigned char>(dst[o - 1]) & 0xc0) == 0x80)
            o--;
        if (o > 0 && static_cast<unsigned char>(dst[o - 1]) >= 0xc0)
            o--;
        dst[o++] = '.';
        dst[o++] = '.';
        dst[o++] = '.';
    }
    dst[o] = '\0';
}
/* Room quote_name needs: 64 + one 6-byte escape + "..." + NUL. */
constexpr size_t QUOTE_NAME_MAX = 64 + 6 + 3 + 1;

/* ---- scanner over already validated JSON text ---------------------- */

/* p points just after an opening quote; returns the closing quote or
 * nullptr if there is none before end. */
const char *skip_string(const char *p, const char *end)
{
    const char *start = p;
    for (;;) {
        const char *q = static_cast<const char *>(
            std::memchr(p, '"', static_cast<size_t>(end - p)));
        if (!q)
            return nullptr;
        /* Escaped iff preceded by an odd run of backslashes. */
        const char *b = q;
        while (b > start && b[-1] == '\\')
            b--;
        if (((q - b) & 1) == 0)
            return q;
        p = q + 1;
    }
}

/* Whether the validated JSON text [p, end) has no whitespace outside its
 * strings, so that minify would copy it unchanged. Strings are skipped
 * with memchr: far faster than minify's copy on string-heavy values. */
bool is_compact(const char *p, const char *end)
{
    while (p < end) {
        char c = *p;
        if (c == '"') {
            const char *q = skip_string(p + 1, end);
            if (!q)
                return false;
            p = q + 1;
            continue;
        }
        if (is_ws(static_cast<unsigned char>(c)))
            return false;
        p++;
    }
    return true;
}

/* p points at the first byte of a value; returns one past its end. */
const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return nullptr;
    char c = *p;
    if (c == '"') {
        const char *q = skip_string(p + 1, end);
        return q ? q + 1 : nullptr;
    }
    if (c == '{' || c == '[') {
        size_t depth = 0;
        while (p < end) {
            c = *p;
            if (c == '"') {
                const char *q = skip_string(p + 1, end);
                if (!q)
                    return nullptr;
                p = q + 1;
                continue;
            }
            if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return nullptr;
    }
    /* number, true, false, null */
    while (p < end && *p != ',' && *p != '}' && *p != ']' && !is_ws(
               static_cast<unsigned char>(*p)))
        p++;
    return p;
}

const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(static_cast<unsigned char>(*p)))
        p++;
    return p;
}

int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Does the raw (escaped, validated) member name k[0..n) unescape to
 * "value"? Only \u escapes can produce its letters ("\u0076alue"). */
bool name_is_value(const char *k, size_t n)
{
    static const char want[] = "value";
    if (n == 5)
        return std::memcmp(k, want, 5) == 0;
    size_t w = 0;
    for (size_t i = 0; i < n; w++) {
        if (w == 5)
            return false;
        char c = k[i];
        if (c == '\\') {
            if (n - i < 6)
                return false;
            if (k[i + 1] != 'u')
                return false; /* \n, \", \/ ...: none is a letter */
            int v = 0;
            for (int j = 2; j < 6; j++) {
                int h = hexval(k[i + j]);
                if (h < 0)
                    return false;
                v = v * 16 + h;
            }
            if (v != static_cast<unsigned char>(want[w]))
                return false;
            i += 6;
        } else {
            if (c != want[w])
                return false;
            i++;
        }
    }
    return w == 5;
}

/* Find the raw text of the root object's "value" member in the validated
 * text [b, e) (trimmed: *b == '{', e[-1] == '}'). If `last` the member is
 * known to be the last one, so its value ends where the object does. */
bool find_value(const char *b, const char *e, bool last, const char **vs,
                const char **ve)
{
    const char *p = b + 1;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e || *p != '"')
            return false;
        const char *kq = skip_string(p + 1, e);
        if (!kq)
            return false;
        bool match = name_is_value(p + 1, static_cast<size_t>(kq - (p + 1)));
        p = skip_ws(kq + 1, e);
        if (p >= e || *p != ':')
            return false;
        p = skip_ws(p + 1, e);
        if (match) {
            *vs = p;
            if (last) {
                const char *q = e - 1; /* the closing '}' */
                while (q > p && is_ws(static_cast<unsigned char>(q[-1])))
                    q--;
                *ve = q;
            } else {
                *ve = skip_value(p, e);
            }
            return *ve != nullptr && *ve > *vs;
        }
        p = skip_value(p, e);
        if (!p)
            return false;
        p = skip_ws(p, e);
        if (p >= e || *p != ',')
            return false;
        p++;
    }
}

/* ---- big-number fallback -------------------------------------------- */

/* Is [p, q) a JSON number? */
bool number_ok(const char *p, const char *q)
{
    if (p < q && *p == '-')
        p++;
    if (p >= q)
        return false;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < q && *p >= '0' && *p <= '9')
            p++;
    } else {
        return false;
    }
    if (p < q && *p == '.') {
        p++;
        const char *d = p;
        while (p < q && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return false;
    }
    if (p < q && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < q && (*p == '+' || *p == '-'))
            p++;
        const char *d = p;
        while (p < q && *p >= '0' && *p <= '9')
            p++;
        if (p == d)
            return false;
    }
    return p == q;
}

/* In s[0..n) (not yet validated), replace every number token outside
 * strings by "0" and spaces. False if a token is not a JSON number. */
bool neutralize_numbers(char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i++;
            while (i < n && s[i] != '"')
                i += (s[i] == '\\') ? 2 : 1;
            i++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '-' ||
                             s[j] == '+' || s[j] == '.' || s[j] == 'e' ||
                             s[j] == 'E'))
                j++;
            if (!number_ok(s + i, s + j))
                return false;
            s[i] = '0';
            std::memset(s + i + 1, ' ', j - i - 1);
            i = j;
            continue;
        }
        i++;
    }
    return true;
}

int parse_line(ndjson_parser *p, const char *line, size_t len,
               ndjson_row *row, char *err, size_t errlen)
{
    using namespace simdjson;

    const char *b = line;
    const char *e = line + len;
    while (e > b && is_ws(static_cast<unsigned char>(e[-1])))
        e--;
    while (b < e && is_ws(static_cast<unsigned char>(*b)))
        b++;
    if (b == e) {
        set_err(err, errlen, "empty line");
        return -ENODATA;
    }
    const size_t n = static_cast<size_t>(e - b);

    /* Grow the DOM buffers geometrically, not to each new longest line. */
    if (n > p->dom.capacity()) {
        size_t cap = p->dom.capacity();
        size_t want = cap + cap / 2;
        if (want < 64 * 1024)
            want = 64 * 1024;
        if (want < n || want > SIMDJSON_MAXSIZE_BYTES)
            want = n;
        if (want <= SIMDJSON_MAXSIZE_BYTES) {
            if (p->dom.allocate(want) ||
                (p->dom.doc.capacity() < want && p->dom.doc.allocate(want))) {
                set_err(err, errlen, "out of memory");
                return -ENOMEM;
            }
        }
    }

    dom::element root;
    error_code ec = p->dom.parse(b, n, false).get(root);
    if (ec == NUMBER_ERROR) {
        /* Perhaps only a number outside simdjson's range: see the top. */
        if (!reserve(p->scratch, p->scratch_cap, n + SIMDJSON_PADDING)) {
            set_err(err, errlen, "out of memory");
            return -ENOMEM;
        }
        std::memcpy(p->scratch, b, n);
        std::memset(p->scratch + n, ' ', SIMDJSON_PADDING);
        if (neutralize_numbers(p->scratch, n))
            ec = p->dom.parse(p->scratch, n, false).get(root);
    }
    if (ec) {
        if (ec == MEMALLOC) {
            set_err(err, errlen, "out of memory");
            return -ENOMEM;
        }
        set_err(err, errlen, "not valid JSON: %s", error_message(ec));
        return -EINVAL;
    }

    dom::object obj;
    if (root.get_object().get(obj)) {
        set_err(err, errlen, "line is not a JSON object");
        return -EINVAL;
    }

    enum { HAVE_REL = 1, HAVE_KEY = 2, HAVE_VALUE = 4, HAVE_OP = 8 };
    unsigned have = 0;
    std::string_view rel, key;
    int op = NDJSON_PUT;
    bool value_last = false;
    char qn[QUOTE_NAME_MAX];

    for (dom::key_value_pair kv : obj) {
        std::string_view name = kv.key;
        unsigned bit;
        const char *mname;
        if (name == "rel") {
            bit = HAVE_REL;
            mname = "rel";
        } else if (name == "key") {
            bit = HAVE_KEY;
            mname = "key";
        } else if (name == "value") {
            bit = HAVE_VALUE;
            mname = "value";
        } else if (name == "op") {
            bit = HAVE_OP;
            mname = "op";
        } else {
            quote_name(name, qn);
            set_err(err, errlen, "unknown member \"%s\"", qn);
            return -EINVAL;
        }
        if (have & bit) {
            set_err(err, errlen, "duplicate member \"%s\"", mname);
            return -EINVAL;
        }
        have |= bit;
        value_last = (bit == HAVE_VALUE);
        if (bit == HAVE_VALUE)
            continue;
        std::string_view s;
        if (kv.value.get_string().get(s)) {
            set_err(err, errlen, "member \"%s\" must be a string", mname);
            return -EINVAL;
        }
        if (bit == HAVE_REL) {
            rel = s;
        } else if (bit == HAVE_KEY) {
            key = s;
        } else if (s == "put") {
            op = NDJSON_PUT;
        } else if (s == "del") {
            op = NDJSON_DEL;
        } else {
            set_err(err, errlen, "\"op\" must be \"put\" or \"del\"");
            return -EINVAL;
        }
    }

    if (!(have & HAVE_REL)) {
        set_err(err, errlen, "missing member \"rel\"");
        return -EINVAL;
    }
    if (!(have & HAVE_KEY)) {
        set_err(err, errlen, "missing member \"key\"");
        return -EINVAL;
    }
    if (op == NDJSON_DEL && (have & HAVE_VALUE)) {
        set_err(err, errlen,
                "member \"value\" must be absent when \"op\" is \"del\"");
        return -EINVAL;
    }
    if (op == NDJSON_PUT && !(have & HAVE_VALUE)) {
        set_err(err, errlen, "missing member \"value\"");
        return -EINVAL;
    }

    row->op = op;
    row->rel = rel.data();
    row->rel_len = rel.size();
    row->key = key.data();
    row->key_len = key.size();
    row->value = nullptr;
    row->value_len = 0;
    if (op == NDJSON_DEL)
        return 0;

    const char *vs = nullptr, *ve = nullptr;
    if (!find_value(b, e, value_last, &vs, &ve)) {
        set_err(err, errlen, "internal error: value member not found");
        return -EINVAL;
    }
    const size_t vlen = static_cast<size_t>(ve - vs);
    if (is_compact(vs, ve)) { /* the common case: written compact */
        row->value = vs;
        row->value_len = vlen;
        return 0;
    }
    if (!reserve(p->out, p->out_cap, vlen + SIMDJSON_PADDING)) {
        set_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    size_t olen = 0;
    ec = simdjson::minify(vs, vlen, p->out, olen);
    if (ec) {
        set_err(err, errlen, "not valid JSON: %s", error_message(ec));
        return -EINVAL;
    }
    row->value = p->out;
    row->value_len = olen;
    return 0;
}

} // namespace

extern "C" int ndjson_parser_new(ndjson_parser **out)
{
    if (!out)
        return -EINVAL;
    *out = nullptr;
    ndjson_parser *p = nullptr;
    try {
        p = new (std::nothrow) ndjson_parser;
    } catch (...) {
        p = nullptr;
    }
    if (!p)
        return -ENOMEM;
    *out = p;
    return 0;
}

extern "C" void ndjson_parser_free(ndjson_parser *p)
{
    delete p;
}

extern "C" int ndjson_parse_line(ndjson_parser *p, const char *line,
                                 size_t len, ndjson_row *row, char *err,
                                 size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!p || (!line && len) || !row) {
        set_err(err, errlen, "invalid argument");
        return -EINVAL;
    }
    if (!line)
        line = "";
    try {
        return parse_line(p, line, len, row, err, errlen);
    } catch (const std::bad_alloc &) {
        set_err(err, errlen, "out of memory");
        return -ENOMEM;
    } catch (...) {
        set_err(err, errlen, "internal error");
        return -EINVAL;
    }
}
