/* gen.c - `ptingest gen`: rows shaped like Parseltongue's output.
 *
 * Runs on the caller's thread; all state lives in one gen_ctx per call, so
 * concurrent gen_write calls are independent.
 *
 * Why it is built this way:
 *  - The bytes must be identical on every machine for an (entities, seed):
 *    one xoshiro256** stream, integer arithmetic only, no locale-dependent
 *    call and no floating point anywhere on the data path.
 *  - gen_plan must know the row counts without generating: every count is a
 *    closed formula of `entities`; randomness only decides how the rows are
 *    spread over files.
 *  - Keys are unique by construction, not by luck (a duplicate would make
 *    export differ from the input): file paths come from a bijection of the
 *    file index, entity keys carry non-overlapping line ranges of their file,
 *    and each entity's edges pick distinct (target, type) pairs.
 *  - Throughput: rows are built straight into one output block handed to
 *    fwrite at ~1 MiB; every buffer is reused, so there is no malloc per row.
 *
 * The source text below contains UTF-8 (the non-ASCII code comments gen
 * emits); compilers other than gcc/clang/mingw need to be told so.
 */
#include "gen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/jsonesc.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- PRNG -- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform enough in [0, n): the multiply-shift keeps it branch-free and,
 * unlike `%`, the result depends on the high bits, the best ones. */
static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

static uint32_t rng_range(rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

static int rng_pct(rng *r, uint32_t pct)
{
    return rng_below(r, 100) < pct;
}

/* A value depending only on (a, b): properties of a directory must not
 * depend on where the main stream happens to be. */
static uint64_t mix2(uint64_t a, uint64_t b)
{
    uint64_t x = a ^ (b * 0xd1b54a32d192ed03u);
    return splitmix64(&x);
}

#define PICK(r, arr) ((arr)[rng_below((r), (uint32_t)NELEM(arr))])

/* ---------------------------------------------------------- vocabulary -- */

static const char *const VERBS[] = {
    "calculate", "parse", "validate", "load", "store", "resolve", "build",
    "render", "fetch", "apply", "merge", "normalize", "encode", "decode",
    "compute", "flush", "schedule", "dispatch", "register", "lookup",
    "refresh", "collect", "emit", "handle", "index", "serialize",
    "transform", "compile", "reconcile", "prune", "split", "verify",
};
static const char *const NOUNS[] = {
    "total", "invoice", "session", "token", "cache", "header", "payload",
    "record", "entry", "config", "buffer", "request", "response", "user",
    "account", "order", "item", "node", "edge", "graph", "path", "query",
    "result", "batch", "chunk", "offset", "schema", "column", "metric",
    "event", "span", "key", "ledger", "tenant", "snapshot", "cursor",
};
static const char *const TYPE_SUFFIX[] = {
    "", "", "", "Service", "Manager", "Builder", "Config", "Error",
    "Handler", "Repository", "Client", "State", "Store", "Options",
};
static const char *const SCENARIOS[] = {
    "when_empty", "with_unicode", "rejects_negative", "round_trips",
    "handles_overflow", "is_idempotent", "on_timeout", "with_windows_paths",
};

/* Directory words hold no '_', '.' or '-': with L1/L2/L3 always present and
 * the extension last, the sanitized path (separators -> '_') stays
 * injective even though stems may contain '_'. */
static const char *const DIR_L1[] = {
    "src", "lib", "crates", "packages", "internal", "cmd", "services", "tools",
};
static const char *const DIR_L2[] = {
    "billing", "auth", "storage", "parser", "network", "scheduler",
    "analytics", "search", "payments", "inventory", "notifications",
    "gateway", "ingest", "indexer", "compiler", "runtime", "telemetry",
    "accounts", "catalog", "checkout", "shipping", "pricing", "reporting",
    "messaging", "identity", "cache", "config", "crypto", "graph", "query",
    "planner", "executor", "sync", "replication", "metrics", "logging",
    "tracing", "admin", "api", "web", "cli", "worker", "jobs", "media",
    "export", "audit", "ledger", "orders",
};
static const char *const DIR_L3[] = {
    "core", "handlers", "models", "utils", "services", "adapters", "domain",
    "infra", "http", "grpc", "db", "repo", "commands", "internal", "util",
    "codec", "types", "errors", "middleware", "routes", "views",
    "controllers", "workers", "tasks", "events", "client", "server",
    "proto", "store", "schema", "migrate", "render",
};
/* 64 stems; camel-casing must stay injective over them (no two differ only
 * by underscores). */
static const char *const STEMS[] = {
    "invoice", "session", "token_store", "cache", "header", "payload",
    "record", "entry", "config", "buffer", "request", "response", "user",
    "account", "order", "line_item", "node", "edge", "graph", "path",
    "query", "result", "batch", "chunk", "schema", "column", "metric",
    "event", "span", "registry", "manager", "service", "client", "server",
    "handler", "router", "parser", "lexer", "encoder", "decoder", "builder",
    "factory", "validator", "resolver", "scheduler", "worker", "pool",
    "queue", "rate_limiter", "retry_policy", "backoff", "checksum",
    "snapshot", "migration", "index", "cursor", "iterator", "tokenizer",
    "formatter", "writer", "reader", "loader", "watcher", "state_machine",
};

#define N_L1 8u
#define N_L2 48u
#define N_L3 32u
#define N_STEMS 64u
#define FILES_PER_DIR 8u
#define DIRCAP (N_L1 * N_L2 * N_L3)
/* Odd and not a multiple of 3, hence invertible modulo DIRCAP (2^12 * 3);
 * close to DIRCAP / golden ratio, so that the first directories already
 * spread over most modules (7919 covered 70 of 384 with 312 directories,
 * this one 268). */
#define DIR_MUL 7595u

/* Comments of real code bases are not ASCII; these also carry quotes and
 * backslashes. Keep U+00A7 (the template marker below) out of them. */
static const char *const COMMENTS[] = {
    "Gère le cas où la facture est vide → on renvoie zéro",
    "Größe prüfen: Überlauf bei sehr großen Beträgen möglich",
    "日本語: キャッシュを更新してから返す",
    "🚀 fast path: skip the allocation when the input is pure ASCII",
    "naïve retry loop; the café outage (2023-04) explains why it stays",
    "TODO(kévin): handle the ∞ case explicitly",
    "Ελέγχουμε τα όρια πριν από την πρόσβαση",
    "Проверка границ перед доступом к буферу",
    "paths look like C:\\Users\\build\\cache on Windows runners",
    "keep in sync with the \"legacy\" parser ✓",
    "中文注释: 这里需要加锁, 否则会有竞态",
    "at most 3 attempts — the budget is shared with the caller",
    "Ünïcödé normalisation (NFC) already happened upstream",
    "⚠️ do not reorder: the checksum depends on field order",
    "edge case: \"\" → None, \"\\n\" → Some(\"\")",
    "FIXME: O(n²) when the map is cold; fine for n ≤ 10⁴",
    "see https://example.com/spec#section-4.2 for the grammar",
    "naming: «ledger» means the append-only log here",
};

/* ------------------------------------------------------------ languages --
 * Templates: "§n" the entity (or method) name, "§i" an identifier, "§t" a
 * type name, "§d" a number. '\n' inside a template starts a new line at the
 * same base indentation; deeper lines carry their own relative indent. */

enum kind { K_FN, K_CLASS, K_DATA };
enum style { S_SNAKE, S_CAMEL, S_PASCAL };

typedef struct etype {
    const char *name;
    unsigned char kind, weight;
} etype;

typedef struct tmpl_set {
    const char *const *t;
    size_t n;
} tmpl_set;

#define SET(a) { a, NELEM(a) }
#define NOSET { NULL, 0 }

typedef struct lang {
    const char *name, *ext, *indent, *comment;
    unsigned char name_style, ident_style, file_style;
    const char *sem_sep;
    const etype *types;
    size_t ntypes;
    tmpl_set fn, method, klass, data, fields, stmts;
    const char *fn_close, *class_close, *data_close;
    /* where its tests live: folder + test_sub, test_pre + stem + test_suf;
     * an empty test_suf means inside the source file itself (Rust) */
    const char *test_sub, *test_pre, *test_suf, *test_reason;
} lang;

static const etype RS_TYPES[] = {
    { "fn", K_FN, 45 }, { "method", K_FN, 20 }, { "struct", K_DATA, 10 },
    { "enum", K_DATA, 5 }, { "impl", K_CLASS, 12 }, { "trait", K_CLASS, 8 },
};
static const char *const RS_FN[] = {
    "pub fn §n(§i: &§t) -> Result<§t, §tError> {",
    "fn §n(&self, §i: usize) -> Option<&§t> {",
    "pub(crate) async fn §n(&mut self, §i: §t) -> anyhow::Result<()> {",
    "pub fn §n<T: AsRef<str>>(§i: T, §i: &mut Vec<§t>) -> bool {",
    "fn §n(§i: &[u8], §i: &mut §t) -> io::Result<usize> {",
};
static const char *const RS_CLASS[] = {
    "impl §n {", "impl §t for §n {", "pub trait §n: Send + Sync {",
};
static const char *const RS_DATA[] = {
    "#[derive(Debug, Clone, Serialize, Deserialize)]\npub struct §n {",
    "#[non_exhaustive]\npub enum §n {",
};
static const char *const RS_FIELDS[] = {
    "pub §i: §t,", "§i: Option<String>,",
    "#[serde(rename = \"§i\")]\npub §i: Vec<§t>,", "§i: u64,",
    "pub(crate) §i: HashMap<String, §t>,",
};
static const char *const RS_STMTS[] = {
    "let §i = §i.iter().filter(|x| x.is_valid()).count();",
    "let mut §i: Vec<§t> = Vec::with_capacity(§d);",
    "if §i.is_empty() {\n    return Err(§tError::Empty(\"§i was empty\\n\".to_string()));\n}",
    "let §i = format!(\"{}\\t{}\\n\", §i, §i);",
    "let path = r\"C:\\Program Files\\§t\\config.toml\";",
    "let re = Regex::new(r\"^(\\d{4})-(\\d{2})-(\\d{2})T\").unwrap();",
    "for (idx, §i) in §i.iter().enumerate() {\n    total += §i.weight() * idx as u64;\n}",
    "let §i = match §i {\n    Some(v) => v.clone(),\n    None => return Ok(§t::default()),\n};",
    "self.§i.insert(§i.id(), §i);",
    "tracing::debug!(target: \"§i\", \"processed {} items in {:?}\", §i, start.elapsed());",
    "let §i = §i.get(\"§i\").ok_or_else(|| anyhow!(\"missing key: \\\"§i\\\"\"))?;",
    "let escaped = §i.replace('\\\\', \"\\\\\\\\\").replace('\"', \"\\\\\\\"\");",
    "assert!(§i <= §d, \"limit exceeded: {} > §d\", §i);",
    "let §i = std::fs::read_to_string(&§i).with_context(|| format!(\"reading {}\", §i.display()))?;",
    "§i.push_str(\"\\r\\n\");",
    "let §i = §i.checked_add(§d).ok_or(§tError::Overflow)?;",
    "let §i = §i.lock().expect(\"poisoned\");",
    "§i.sort_by(|a, b| a.§i.cmp(&b.§i));",
};

static const etype PY_TYPES[] = {
    { "function", K_FN, 45 }, { "method", K_FN, 30 }, { "class", K_CLASS, 20 },
    { "class", K_DATA, 5 },
};
static const char *const PY_FN[] = {
    "def §n(self, §i: §t, §i: int = §d) -> Optional[§t]:\n    \"\"\"Return the §i for the given §i.\n\n    Raises ValueError when the input is empty.\n    \"\"\"",
    "async def §n(§i, *args, **kwargs):",
    "def §n(§i: str, §i: dict[str, §t] | None = None) -> list[§t]:",
    "@staticmethod\ndef §n(§i: bytes) -> \"§t\":",
};
static const char *const PY_CLASS[] = {
    "class §n(§t):\n    \"\"\"§t backed by a §i store — thread-safe.\"\"\"",
    "class §n:",
};
static const char *const PY_DATA[] = {
    "@dataclass(frozen=True)\nclass §n:", "class §n(TypedDict):",
};
static const char *const PY_FIELDS[] = {
    "§i: str", "§i: int = §d", "§i: Optional[§t] = None",
    "§i: list[str] = field(default_factory=list)",
};
static const char *const PY_STMTS[] = {
    "§i = [x for x in §i if x is not None]",
    "if not §i:\n    raise ValueError(f\"empty §i: {§i!r}\\n\")",
    "pattern = re.compile(r\"^(?P<key>[\\w.-]+)\\s*=\\s*(?P<value>.*)$\")",
    "path = Path(\"C:\\\\Users\\\\build\\\\§i.json\")",
    "for idx, §i in enumerate(§i):\n    total += §i.weight * idx",
    "with open(§i, \"r\", encoding=\"utf-8\") as fh:\n    §i = json.load(fh)",
    "logger.debug(\"processed %d items in %.3fs\", len(§i), elapsed)",
    "return {\"§i\": §i, \"status\": \"ok\", \"sep\": \"\\t\"}",
    "§i = \"\\n\".join(line.rstrip() for line in §i.splitlines())",
    "try:\n    §i = self._cache[§i]\nexcept KeyError:\n    §i = self._load(§i)",
    "self.§i[§i.id] = §i",
    "assert §i >= 0, \"negative §i\"",
    "§i = {k: v for k, v in §i.items() if k.startswith(\"§i\")}",
    "if isinstance(§i, §t):\n    return §i",
    "§i = os.environ.get(\"§t_HOME\", \"/var/lib/§i\")",
};

static const etype TS_TYPES[] = {
    { "function", K_FN, 40 }, { "method", K_FN, 25 }, { "class", K_CLASS, 20 },
    { "interface", K_DATA, 15 },
};
static const char *const TS_FN[] = {
    "export async function §n(§i: §t, options?: Partial<§tOptions>): Promise<§t[]> {",
    "export function §n(§i: string): §t | undefined {",
    "function §n<T extends §t>(§i: T[], §i = §d): Map<string, T> {",
    "export const §n = async (§i: §t): Promise<void> => {",
};
static const char *const TS_METHOD[] = {
    "public async §n(§i: §t): Promise<void> {",
    "private §n(§i: string): boolean {",
    "protected get §n(): §t {",
};
static const char *const TS_CLASS[] = {
    "export class §n implements §t {", "export default class §n extends §t {",
};
static const char *const TS_DATA[] = {
    "export interface §n {", "export interface §n extends §t {",
};
static const char *const TS_FIELDS[] = {
    "§i: string;", "§i?: number;", "readonly §i: §t[];",
    "§i: Record<string, §t>;",
};
static const char *const TS_STMTS[] = {
    "const §i = §i.filter((x) => x !== undefined).map((x) => x.§i);",
    "if (!§i) {\n  throw new Error(`missing §i: ${JSON.stringify(§i)}\\n`);\n}",
    "const re = /^(\\d+)\\.(\\d+)\\.(\\d+)(?:-([\\w.]+))?$/;",
    "const winPath = \"C:\\\\Users\\\\build\\\\§i.json\";",
    "for (const [key, value] of Object.entries(§i)) {\n  §i.set(key, String(value).replace(/\"/g, '\\\\\"'));\n}",
    "await this.§i.save(§i);",
    "console.debug(`processed ${§i.length} items\\tin ${Date.now() - start}ms`);",
    "return { ...§i, updatedAt: new Date().toISOString() };",
    "const §i = new Map<string, §t>();",
    "let §i = 0;",
    "§i += §i.reduce((acc, x) => acc + x.§i, 0);",
    "const text = lines.join(\"\\n\");",
    "const { §i, §i } = await import(\"./§i\");",
    "if (§i.length > §d) {\n  §i.splice(0, §i.length - §d);\n}",
};

static const etype JS_TYPES[] = {
    { "function", K_FN, 50 }, { "method", K_FN, 25 }, { "class", K_CLASS, 20 },
    { "variable", K_DATA, 5 },
};
static const char *const JS_FN[] = {
    "async function §n(§i, options = {}) {", "function §n(§i) {",
    "export const §n = (§i, §i) => {", "module.exports.§n = function §n(§i) {",
};
static const char *const JS_METHOD[] = {
    "async §n(§i) {", "§n(§i, options = {}) {", "static §n(§i) {",
};
static const char *const JS_CLASS[] = {
    "class §n extends §t {", "export class §n {",
};
static const char *const JS_DATA[] = { "const §n = Object.freeze({" };
static const char *const JS_FIELDS[] = {
    "§i: \"§i\",", "§i: §d,", "§i: [\"§i\", \"§i\"],",
};
static const char *const JS_STMTS[] = {
    "const §i = §i.filter(Boolean).map((x) => x.§i);",
    "if (!§i) {\n  throw new TypeError(`invalid §i: ${§i}\\n`);\n}",
    "const re = /^([\\w-]+)=(\"[^\"]*\"|\\S+)$/;",
    "const dir = \"C:\\\\Program Files\\\\§t\";",
    "for (const §i of §i) {\n  §i.push(§i.trim());\n}",
    "return JSON.stringify({ §i, ok: true }, null, \"\\t\");",
    "this.§i = this.§i || new Map();",
    "process.stderr.write(`warn: §i missing\\n`);",
    "const §i = require(\"./§i\");",
    "§i.forEach((value, key) => {\n  §i[key] = value;\n});",
};

static const etype GO_TYPES[] = {
    { "function", K_FN, 45 }, { "method", K_FN, 35 }, { "struct", K_DATA, 12 },
    { "interface", K_DATA, 8 },
};
static const char *const GO_FN[] = {
    "func §n(ctx context.Context, §i *§t) (*§t, error) {",
    "func (s *§tService) §n(§i string) error {",
    "func §n(§i []byte, §i int) ([]§t, error) {",
    "func (r *§t) §n() bool {",
};
static const char *const GO_DATA[] = {
    "type §n struct {", "type §n interface {",
};
static const char *const GO_FIELDS[] = {
    "§t §t `json:\"§i\"`", "§t *§t `json:\"§i,omitempty\"`", "mu sync.Mutex",
    "§t []string",
};
static const char *const GO_STMTS[] = {
    "§i, err := §i.Load(ctx, §i)",
    "if err != nil {\n\treturn nil, fmt.Errorf(\"load §i: %w\", err)\n}",
    "for i, §i := range §i {\n\t§i[i] = strings.TrimSpace(§i)\n}",
    "re := regexp.MustCompile(`^(\\d+)\\s+(\\w+)$`)",
    "path := filepath.Join(\"C:\\\\Users\\\\build\", §i)",
    "log.Printf(\"processed %d items\\n\", len(§i))",
    "§i := make(map[string]*§t, §d)",
    "defer §i.Close()",
    "select {\ncase <-ctx.Done():\n\treturn ctx.Err()\ncase §i := <-§i:\n\t_ = §i\n}",
    "fmt.Fprintf(w, \"%s\\t%d\\n\", §i, §i)",
    "s.mu.Lock()\ndefer s.mu.Unlock()",
    "if len(§i) > §d {\n\t§i = §i[:§d]\n}",
};

static const etype JAVA_TYPES[] = {
    { "method", K_FN, 60 }, { "class", K_CLASS, 30 },
    { "interface", K_DATA, 10 },
};
static const char *const JAVA_FN[] = {
    "public §t §n(final §t §i, int §i) throws IOException {",
    "private static Optional<§t> §n(String §i) {",
    "@Override\npublic boolean §n(Object §i) {",
    "protected List<§t> §n(Map<String, §t> §i) {",
};
static const char *const JAVA_CLASS[] = {
    "public class §n extends §t {", "public final class §n implements §t {",
    "@Service\npublic class §n {",
};
static const char *const JAVA_DATA[] = {
    "public interface §n {", "public interface §n extends §t {",
};
static const char *const JAVA_FIELDS[] = {
    "§t §i(String key);", "void §i(§t value) throws IOException;",
    "default boolean §i() {\n    return false;\n}",
};
static const char *const JAVA_STMTS[] = {
    "final List<§t> §i = new ArrayList<>(§d);",
    "if (§i == null) {\n    throw new IllegalArgumentException(\"§i must not be null\\n\");\n}",
    "Pattern pattern = Pattern.compile(\"^(\\\\d+)-(\\\\w+)$\");",
    "Path path = Paths.get(\"C:\\\\Users\\\\build\", §i);",
    "for (§t item : §i) {\n    §i.put(item.getId(), item);\n}",
    "LOG.debug(\"processed {} items in {} ms\", §i.size(), elapsed);",
    "return §i.stream().filter(Objects::nonNull).map(§t::from).collect(Collectors.toList());",
    "String joined = String.join(\"\\t\", §i);",
    "try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {\n    §i = reader.readLine();\n}",
    "§i.append('\"').append(§i).append('\"');",
    "synchronized (this) {\n    §i += §d;\n}",
    "Objects.requireNonNull(§i, \"§i\");",
};

static const etype C_TYPES[] = {
    { "function", K_FN, 80 }, { "struct", K_DATA, 20 },
};
static const char *const C_FN[] = {
    "static int §n(struct §t *§i, const char *§i, size_t §i)\n{",
    "int §n(const struct §t *§i)\n{",
    "static void §n(void *§i)\n{",
    "ssize_t §n(int fd, char *§i, size_t §i)\n{",
};
static const char *const C_DATA[] = { "struct §n {" };
static const char *const C_FIELDS[] = {
    "int §i;", "const char *§i;", "size_t §i;", "struct §t *§i;",
    "uint64_t §i; /* bytes */",
};
static const char *const C_STMTS[] = {
    "if (!§i)\n\treturn -EINVAL;",
    "for (size_t i = 0; i < §i; i++) {\n\tif (§i[i] == '\\\\' || §i[i] == '\"')\n\t\t§i++;\n}",
    "snprintf(§i, sizeof(§i), \"%s\\\\%s\\n\", dir, name);",
    "memcpy(§i, §i, §i * sizeof(*§i));",
    "fprintf(stderr, \"§i: %s\\t(%d)\\n\", strerror(errno), §i);",
    "const char *path = \"C:\\\\Windows\\\\System32\\\\drivers\\\\etc\\\\hosts\";",
    "§i->§i = §i;",
    "ret = §i_locked(§i, §i);\nif (ret < 0)\n\tgoto out;",
    "§i = calloc(§d, sizeof(*§i));\nif (!§i)\n\treturn -ENOMEM;",
    "while (§i && §i->next)\n\t§i = §i->next;",
    "pthread_mutex_lock(&§i->lock);",
};

static const etype CPP_TYPES[] = {
    { "function", K_FN, 40 }, { "method", K_FN, 25 }, { "class", K_CLASS, 25 },
    { "struct", K_DATA, 10 },
};
static const char *const CPP_FN[] = {
    "std::optional<§t> §n(const std::string& §i, std::size_t §i) {",
    "auto §n(std::string_view §i) -> std::vector<§t> {",
    "void §t::§n(const §t& §i) {",
    "template <typename T>\nbool §n(const T& §i) noexcept {",
};
static const char *const CPP_METHOD[] = {
    "void §n(const §t& §i) override {", "[[nodiscard]] bool §n() const {",
    "std::size_t §n(std::span<const std::byte> §i) {",
};
static const char *const CPP_CLASS[] = {
    "class §n : public §t {\npublic:", "class §n final {\npublic:",
};
static const char *const CPP_DATA[] = {
    "struct §n {", "struct alignas(64) §n {",
};
static const char *const CPP_FIELDS[] = {
    "std::string §i;", "std::uint64_t §i = §d;", "std::vector<§t> §i;",
    "std::unique_ptr<§t> §i;",
};
static const char *const CPP_STMTS[] = {
    "std::vector<§t> §i;\n§i.reserve(§d);",
    "static const std::regex re(R\"(^(\\d+)\\.(\\d+)$)\");",
    "auto path = std::filesystem::path(\"C:\\\\Users\\\\build\") / §i;",
    "for (const auto& [key, value] : §i) {\n    §i.emplace(key, value);\n}",
    "if (§i.empty()) {\n    throw std::invalid_argument(\"§i is empty\\n\");\n}",
    "std::cerr << \"processed \" << §i.size() << \" items\\t\" << elapsed.count() << \"ms\\n\";",
    "std::lock_guard<std::mutex> lock(§i);",
    "return std::make_unique<§t>(std::move(§i));",
    "const auto §i = std::count_if(§i.begin(), §i.end(), [](const auto& x) { return x.valid(); });",
    "§i.push_back('\\\\');",
};

static const etype RB_TYPES[] = {
    { "method", K_FN, 60 }, { "class", K_CLASS, 30 }, { "module", K_CLASS, 5 },
    { "struct", K_DATA, 5 },
};
static const char *const RB_FN[] = {
    "def §n(§i, §i = nil)", "def self.§n(§i, **opts)", "def §n!(§i)",
};
static const char *const RB_CLASS[] = { "class §n < §t", "module §n" };
static const char *const RB_DATA[] = {
    "§n = Struct.new(:§i, :§i, keyword_init: true) do",
};
static const char *const RB_FIELDS[] = {
    "def §i? = !§i.nil?", "alias_method :§i, :§i",
};
static const char *const RB_STMTS[] = {
    "§i = §i.map { |x| x.to_s.strip }.reject(&:empty?)",
    "raise ArgumentError, \"missing §i: #{§i.inspect}\\n\" if §i.nil?",
    "pattern = /\\A(\\d+)\\.(\\d+)\\z/",
    "path = \"C:\\\\Users\\\\build\\\\#{§i}.yml\"",
    "@§i.each_with_index do |item, idx|\n  total += item.weight * idx\nend",
    "Rails.logger.debug(\"processed #{§i.size} items\\tin #{elapsed}ms\")",
    "return { §i: §i, status: \"ok\" } if §i",
    "@§i[§i] ||= []",
    "§i = File.read(§i, encoding: \"UTF-8\").split(\"\\n\")",
    "yield §i if block_given?",
};

static const lang LANGS[] = {
#define L_RUST 0
    { "rust", "rs", "    ", "// ", S_SNAKE, S_SNAKE, S_SNAKE, "::",
      RS_TYPES, NELEM(RS_TYPES), SET(RS_FN), NOSET, SET(RS_CLASS),
      SET(RS_DATA), SET(RS_FIELDS), SET(RS_STMTS), "}", "}", "}",
      "", "", "", "#[test] attribute inside #[cfg(test)] module" },
#define L_PYTHON 1
    { "python", "py", "    ", "# ", S_SNAKE, S_SNAKE, S_SNAKE, ".",
      PY_TYPES, NELEM(PY_TYPES), SET(PY_FN), NOSET, SET(PY_CLASS),
      SET(PY_DATA), SET(PY_FIELDS), SET(PY_STMTS), "", "", "",
      "/tests", "test_", ".py", "test_ prefix in tests/ directory" },
#define L_TS 2
    { "typescript", "ts", "  ", "// ", S_CAMEL, S_CAMEL, S_CAMEL, ".",
      TS_TYPES, NELEM(TS_TYPES), SET(TS_FN), SET(TS_METHOD), SET(TS_CLASS),
      SET(TS_DATA), SET(TS_FIELDS), SET(TS_STMTS), "}", "}", "}",
      "/__tests__", "", ".test.ts", "describe/it block in __tests__" },
#define L_JS 3
    { "javascript", "js", "  ", "// ", S_CAMEL, S_CAMEL, S_CAMEL, ".",
      JS_TYPES, NELEM(JS_TYPES), SET(JS_FN), SET(JS_METHOD), SET(JS_CLASS),
      SET(JS_DATA), SET(JS_FIELDS), SET(JS_STMTS), "}", "}", "});",
      "/__tests__", "", ".test.js", "describe/it block in __tests__" },
#define L_GO 4
    { "go", "go", "\t", "// ", S_PASCAL, S_CAMEL, S_SNAKE, ".",
      GO_TYPES, NELEM(GO_TYPES), SET(GO_FN), NOSET, NOSET,
      SET(GO_DATA), SET(GO_FIELDS), SET(GO_STMTS), "}", "}", "}",
      "", "", "_test.go", "Test prefix in _test.go file" },
#define L_JAVA 5
    { "java", "java", "    ", "// ", S_CAMEL, S_CAMEL, S_PASCAL, ".",
      JAVA_TYPES, NELEM(JAVA_TYPES), SET(JAVA_FN), NOSET, SET(JAVA_CLASS),
      SET(JAVA_DATA), SET(JAVA_FIELDS), SET(JAVA_STMTS), "}", "}", "}",
      "/test", "", "Test.java", "@Test annotation" },
#define L_C 6
    { "c", "c", "\t", "// ", S_SNAKE, S_SNAKE, S_SNAKE, ".",
      C_TYPES, NELEM(C_TYPES), SET(C_FN), NOSET, NOSET,
      SET(C_DATA), SET(C_FIELDS), SET(C_STMTS), "}", "};", "};",
      "/tests", "test_", ".c", "test_ prefix in tests/ directory" },
#define L_CPP 7
    { "cpp", "cpp", "    ", "// ", S_SNAKE, S_SNAKE, S_SNAKE, "::",
      CPP_TYPES, NELEM(CPP_TYPES), SET(CPP_FN), SET(CPP_METHOD),
      SET(CPP_CLASS), SET(CPP_DATA), SET(CPP_FIELDS), SET(CPP_STMTS),
      "}", "};", "};",
      "/tests", "", "_test.cpp", "TEST() macro (gtest)" },
#define L_RUBY 8
    { "ruby", "rb", "  ", "# ", S_SNAKE, S_SNAKE, S_SNAKE, "::",
      RB_TYPES, NELEM(RB_TYPES), SET(RB_FN), NOSET, SET(RB_CLASS),
      SET(RB_DATA), SET(RB_FIELDS), SET(RB_STMTS), "end", "end", "end",
      "/spec", "", "_spec.rb", "RSpec describe block in spec/" },
};

/* Top-level folders hint at their language, as in a real monorepo:
 * {primary, secondary}, the primary for ~70% of its modules. */
static const unsigned char L1_LANGS[N_L1][2] = {
    { L_RUST, L_PYTHON }, { L_C, L_CPP }, { L_RUST, L_RUST },
    { L_TS, L_JS }, { L_GO, L_GO }, { L_GO, L_RUST }, { L_JAVA, L_PYTHON },
    { L_PYTHON, L_RUBY },
};

/* Files Parseltongue skips. Even entries go to the first ignored file of a
 * directory, odd ones to the second, so names never repeat within one
 * folder. Some carry '|', '\\' or non-ASCII on purpose: such names exist and
 * exercise the key escaping. */
static const char *const IGNORED[][2] = {
    { "Cargo.lock", "lockfile" },
    { "logo.png", "binary file" },
    { "bundle.min.js", "minified" },
    { "notes|draft.txt", "unsupported extension" },
    { "backup\\old.sql", "unsupported extension" },
    { "résumé.pdf", "binary file" },
    { "日本語ガイド.md", "documentation" },
    { "Makefile", "unsupported extension" },
    { "yarn.lock", "lockfile" },
    { "favicon.ico", "binary file" },
    { "data.parquet", "binary file" },
    { "build.log", "log file" },
    { "schema.generated.ts", "generated code" },
    { "vendor.tar.gz", "archive" },
    { "Thumbs.db", "binary file" },
    { ".DS_Store", "hidden file" },
    { "report|2024.csv", "unsupported extension" },
    { "icon@2x.png", "binary file" },
    { "font.woff2", "binary file" },
    { "dump\\2023\\q4.bin", "binary file" },
    { "coverage.lcov", "generated code" },
    { "app.min.css", "minified" },
    { "README.md", "documentation" },
    { "package-lock.json", "lockfile" },
};

static const char *const EDGE_TYPES[] = { "Calls", "Uses", "Implements" };
#define N_EDGE_TYPES 3u

/* ------------------------------------------------------------- context -- */

#define MAXC 64u                  /* entities per file, upper bound */
#define RING 4096u                /* recent entity keys edges may target */
#define KEYMAX 256u
#define FLUSH_AT (1u << 20)
#define MAX_ENTITIES 1000000000000u /* keeps every count formula in range */

typedef struct slot {
    uint32_t len;
    char key[KEYMAX];
} slot;

typedef struct ent_info {
    uint32_t line_start, line_end, words, edges;
} ent_info;

typedef struct file_info {
    const lang *L;
    char l1[16], l2[32], l3[16], stem[48];
    char folder[96], filename[80], path[176], sanitized[176];
    const char *eol;
    uint64_t first_entity, birth;
    uint32_t nents, next_line;
    ent_info ents[MAXC];
} file_info;

typedef struct gen_ctx {
    rng r;
    uint64_t seed, files, tee_total, tee_acc, next_entity;
    uint32_t dir_off;
    FILE *fp;
    char *err;
    size_t errlen;
    int rc;                       /* first error; sticky */
    pt_buf out;                   /* the block being filled */
    pt_buf code, fut, tmp, key;   /* scratch, reused for every row */
    slot *ring;
    file_info file;
    char name[96];                /* the entity being generated */
    char method[96];              /* a method inside a class entity */
    const char *cur_name;         /* what "§n" expands to */
} gen_ctx;

static void set_err(gen_ctx *g, const char *fmt, ...)
{
    va_list ap;

    if (!g->err || !g->errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(g->err, g->errlen, fmt, ap);
    va_end(ap);
}

/* Buffer appends record the first failure (ENOMEM) in g->rc and carry on;
 * rows check g->rc once, which keeps the builders readable. */
static void put(gen_ctx *g, pt_buf *b, const void *s, size_t n)
{
    /* Most appends are a few bytes into a buffer that has long reached its
     * working size: skip the call (it shows in profiles), keep the NUL. */
    if (b->cap - b->len > n) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    int r = pt_buf_append(b, s, n);
    if (r < 0 && g->rc == 0)
        g->rc = r;
}

static void puts_(gen_ctx *g, pt_buf *b, const char *s)
{
    put(g, b, s, strlen(s));
}

static void put_u64(gen_ctx *g, pt_buf *b, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;

    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(g, b, d + i, sizeof d - i);
}

/* v/100 with exactly two decimals, by integer arithmetic so that every
 * machine prints the same bytes. */
static void put_fixed2(gen_ctx *g, pt_buf *b, uint64_t hundredths)
{
    char d[3] = { '.', (char)('0' + hundredths / 10 % 10),
                  (char)('0' + hundredths % 10) };
    put_u64(g, b, hundredths / 100);
    put(g, b, d, 3);
}

/* JSON output helpers: every string goes through json_append_string. */
static void jstr(gen_ctx *g, const char *s, size_t n)
{
    int r = json_append_string(&g->out, s, n);
    if (r < 0 && g->rc == 0)
        g->rc = r;
}

static void jcstr(gen_ctx *g, const char *s)
{
    jstr(g, s, strlen(s));
}

static void jbuf(gen_ctx *g, const pt_buf *b)
{
    jstr(g, b->data ? b->data : "", b->len);
}

/* `"name":`, preceded by ',' unless it opens an object. */
static void member(gen_ctx *g, const char *name)
{
    char last = g->out.len ? g->out.data[g->out.len - 1] : 0;
    if (last != '{')
        put(g, &g->out, ",", 1);
    jcstr(g, name);
    put(g, &g->out, ":", 1);
}

static void raw(gen_ctx *g, const char *s)
{
    puts_(g, &g->out, s);
}

static void num(gen_ctx *g, uint64_t v)
{
    put_u64(g, &g->out, v);
}

/* ------------------------------------------------------ key escaping -- */

int gen_key_join(pt_buf *b, const char *const parts[], const size_t lens[],
                 size_t n)
{
    size_t need = n, i, j;
    int r;

    for (i = 0; i < n; i++)
        need += 2 * lens[i];
    r = pt_buf_reserve(b, need);
    if (r < 0)
        return r;
    char *o = b->data + b->len;
    for (i = 0; i < n; i++) {
        if (i)
            *o++ = '|';
        for (j = 0; j < lens[i]; j++) {
            char c = parts[i][j];
            if (c == '\\' || c == '|')
                *o++ = '\\';
            *o++ = c;
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

static void key_join(gen_ctx *g, const char *const parts[],
                     const size_t lens[], size_t n)
{
    pt_buf_reset(&g->key);
    int r = gen_key_join(&g->key, parts, lens, n);
    if (r < 0 && g->rc == 0)
        g->rc = r;
}

/* ------------------------------------------------------------- output -- */

static int write_failed(gen_ctx *g)
{
    int e = errno;

    set_err(g, "gen: cannot write output: %s",
            e ? strerror(e) : "I/O error");
    return e == EPIPE ? -EPIPE : -EIO;
}

static int flush_out(gen_ctx *g)
{
    size_t n = g->out.len;

    if (n == 0)
        return 0;
    errno = 0;
    if (fwrite(g->out.data, 1, n, g->fp) != n || ferror(g->fp))
        return write_failed(g);
    pt_buf_reset(&g->out);
    return 0;
}

/* `{"rel":<rel>,"key":<g->key>,"value":` - the value follows. */
static void row_begin(gen_ctx *g, const char *rel)
{
    raw(g, "{");
    member(g, "rel");
    jcstr(g, rel);
    member(g, "key");
    jbuf(g, &g->key);
    member(g, "value");
}

static int row_end(gen_ctx *g)
{
    raw(g, "}\n");
    if (g->rc < 0) {
        set_err(g, "gen: out of memory");
        return g->rc;
    }
    return g->out.len >= FLUSH_AT ? flush_out(g) : 0;
}

/* -------------------------------------------------------- identifiers -- */

/* Append snake-case s in style st; `first` says whether s starts the
 * identifier (camelCase keeps its first word lower-case). */
static void put_styled(gen_ctx *g, pt_buf *b, int st, const char *s,
                       int first)
{
    char w[64];
    size_t n = 0;
    int start = 1;

    for (; *s && n < sizeof w; s++) {
        if (*s == '_') {
            if (st == S_SNAKE)
                w[n++] = '_';
            start = 1;
            continue;
        }
        int cap = start && (st == S_PASCAL || (st == S_CAMEL && !first));
        w[n++] = cap && *s >= 'a' && *s <= 'z' ? (char)(*s - 32) : *s;
        start = 0;
        first = 0;
    }
    put(g, b, w, n);
}

static void put_words(gen_ctx *g, pt_buf *b, int st, const char *a,
                      const char *c)
{
    put_styled(g, b, st, a, 1);
    if (!c)
        return;
    if (st == S_SNAKE)
        put(g, b, "_", 1);
    put_styled(g, b, st, c, 0);
}

static void put_ident(gen_ctx *g, pt_buf *b)
{
    const char *second = rng_pct(&g->r, 40) ? PICK(&g->r, NOUNS) : NULL;
    put_words(g, b, g->file.L->ident_style, PICK(&g->r, NOUNS), second);
}

static void put_type(gen_ctx *g, pt_buf *b)
{
    put_styled(g, b, S_PASCAL, PICK(&g->r, NOUNS), 1);
    puts_(g, b, PICK(&g->r, TYPE_SUFFIX));
}

/* A function-like name (verb_noun) or a type-like name into dst. */
static void make_name(gen_ctx *g, char *dst, size_t cap, int kind)
{
    pt_buf_reset(&g->tmp);
    if (kind == K_FN) {
        /* one draw per statement: argument order is unspecified in C */
        const char *verb = PICK(&g->r, VERBS), *noun = PICK(&g->r, NOUNS);
        put_words(g, &g->tmp, g->file.L->name_style, verb, noun);
        if (rng_pct(&g->r, 20)) {
            if (g->file.L->name_style == S_SNAKE)
                puts_(g, &g->tmp, "_");
            put_styled(g, &g->tmp, g->file.L->name_style, PICK(&g->r, NOUNS),
                       0);
        }
    } else {
        put_type(g, &g->tmp);
    }
    size_t n = g->tmp.len < cap ? g->tmp.len : cap - 1;
    memcpy(dst, g->tmp.data ? g->tmp.data : "", n);
    dst[n] = '\0';
}

/* ------------------------------------------------------------ code text -- */

static int is_marker(const char *t)
{
    return (unsigned char)t[0] == 0xc2 && (unsigned char)t[1] == 0xa7;
}

static void put_indent(gen_ctx *g, pt_buf *b, unsigned level)
{
    const char *ind = g->file.L->indent;
    size_t n = strlen(ind);
    while (level--)
        put(g, b, ind, n);
}

/* Expand template t at `level` and end the line. */
static void expand_line(gen_ctx *g, pt_buf *b, const char *t, unsigned level)
{
    int bol = 1;

    for (;;) {
        if (bol && *t && *t != '\n')
            put_indent(g, b, level);
        bol = 0;
        const char *s = t;
        while (*t && *t != '\n' && !is_marker(t))
            t++;
        put(g, b, s, (size_t)(t - s));
        if (!*t)
            break;
        if (*t == '\n') {
            puts_(g, b, g->file.eol);
            t++;
            bol = 1;
            continue;
        }
        switch (t[2]) {
        case 'n': puts_(g, b, g->cur_name); break;
        case 'i': put_ident(g, b); break;
        case 't': put_type(g, b); break;
        default: put_u64(g, b, rng_below(&g->r, 4096)); break;
        }
        t += 3;
    }
    puts_(g, b, g->file.eol);
}

static void add_comment(gen_ctx *g, pt_buf *b, unsigned level)
{
    put_indent(g, b, level);
    puts_(g, b, g->file.L->comment);
    puts_(g, b, PICK(&g->r, COMMENTS));
    puts_(g, b, g->file.eol);
}

static void add_tmpl(gen_ctx *g, pt_buf *b, const tmpl_set *s, unsigned level)
{
    expand_line(g, b, s->t[rng_below(&g->r, (uint32_t)s->n)], level);
}

/* Statements (with the odd comment and blank line) until b reaches
 * `until` bytes; a statement first. */
static void add_body(gen_ctx *g, pt_buf *b, unsigned level, size_t until)
{
    add_tmpl(g, b, &g->file.L->stmts, level);
    while (b->len < until && g->rc == 0) {
        uint32_t u = rng_below(&g->r, 100);
        if (u < 8)
            add_comment(g, b, level);
        else if (u < 12)
            puts_(g, b, g->file.eol);
        else
            add_tmpl(g, b, &g->file.L->stmts, level);
    }
}

static void add_close(gen_ctx *g, pt_buf *b, const char *close,
                      unsigned level)
{
    if (!*close)
        return; /* Python */
    put_indent(g, b, level);
    puts_(g, b, close);
    puts_(g, b, g->file.eol);
}

static void add_methods(gen_ctx *g, pt_buf *b, size_t target)
{
    const lang *L = g->file.L;
    const tmpl_set *hdr = L->method.n ? &L->method : &L->fn;

    g->cur_name = g->method;
    do {
        make_name(g, g->method, sizeof g->method, K_FN);
        if (rng_pct(&g->r, 30))
            add_comment(g, b, 1);
        add_tmpl(g, b, hdr, 1);
        add_body(g, b, 2, b->len + rng_range(&g->r, 200, 3000));
        add_close(g, b, L->fn_close, 1);
    } while (b->len < target && g->rc == 0);
    g->cur_name = g->name;
}

/* The code of one entity into g->code, about `target` bytes; the trailing
 * line end is dropped, as Parseltongue stores a span of the file. */
static void gen_code(gen_ctx *g, int kind, size_t target)
{
    const lang *L = g->file.L;
    pt_buf *b = &g->code;

    pt_buf_reset(b);
    g->cur_name = g->name;
    if (rng_pct(&g->r, 40))
        add_comment(g, b, 0);
    if (kind == K_FN) {
        add_tmpl(g, b, &L->fn, 0);
        add_body(g, b, 1, target);
        add_close(g, b, L->fn_close, 0);
    } else if (kind == K_CLASS) {
        add_tmpl(g, b, &L->klass, 0);
        add_methods(g, b, target);
        add_close(g, b, L->class_close, 0);
    } else {
        size_t until = target < 2500 ? target : 2500;
        add_tmpl(g, b, &L->data, 0);
        do
            add_tmpl(g, b, &L->fields, 1);
        while (b->len < until && g->rc == 0);
        add_close(g, b, L->data_close, 0);
    }
    size_t eol = strlen(g->file.eol);
    if (b->len >= eol && b->data) {
        b->len -= eol;
        b->data[b->len] = '\0';
    }
}

/* Long-tailed code sizes: many small functions, a few huge ones. */
static size_t code_target(gen_ctx *g)
{
    uint32_t u = rng_below(&g->r, 1000);

    if (u < 450)
        return rng_range(&g->r, 200, 1500);
    if (u < 750)
        return rng_range(&g->r, 1500, 6000);
    if (u < 920)
        return rng_range(&g->r, 6000, 15000);
    if (u < 990)
        return rng_range(&g->r, 15000, 40000);
    return rng_range(&g->r, 40000, 100000);
}

static uint32_t count_lines(const pt_buf *b)
{
    uint32_t n = 1;
    const char *p = b->data, *e = b->data + b->len;

    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* The declaration line: the first line not an attribute or decorator. */
static void signature(const pt_buf *b, size_t *off, size_t *len)
{
    const char *p = b->data, *e = b->data + b->len;

    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(e - p));
        const char *end = nl ? nl : e;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        int skip = p < end && (*p == '@' || *p == '#' || *p == '/');
        if (!skip || !nl) {
            if (end > p && end[-1] == '\r')
                end--;
            *off = (size_t)(p - b->data);
            *len = (size_t)(end - p);
            return;
        }
        p = nl + 1;
    }
}

/* An edited copy of g->code into g->fut: what the planner would change. */
static void make_future(gen_ctx *g)
{
    const pt_buf *c = &g->code;
    const char *nl = memchr(c->data, '\n', c->len);
    size_t split = nl ? (size_t)(nl - c->data) + 1 : c->len;

    pt_buf_reset(&g->fut);
    put(g, &g->fut, c->data, split);
    put_indent(g, &g->fut, 1);
    puts_(g, &g->fut, g->file.L->comment);
    puts_(g, &g->fut, "PT-EDIT: validate input first → see issue #");
    put_u64(g, &g->fut, rng_range(&g->r, 100, 9999));
    puts_(g, &g->fut, g->file.eol);
    add_tmpl(g, &g->fut, &g->file.L->stmts, 1);
    put(g, &g->fut, c->data + split, c->len - split);
}

/* ------------------------------------------------------------- layout -- */

static void copy_buf(char *dst, size_t cap, const pt_buf *b)
{
    size_t n = b->len < cap ? b->len : cap - 1;
    memcpy(dst, b->data ? b->data : "", n);
    dst[n] = '\0';
}

/* File f's place in the tree. Directory D = f / 8 goes through a bijection
 * of [0, DIRCAP) (cycles past DIRCAP get a numbered L2), and the 8 files of
 * a directory take 8 distinct stems: paths are unique by construction. */
static void file_setup(gen_ctx *g, uint64_t f)
{
    file_info *fi = &g->file;
    uint64_t D = f / FILES_PER_DIR, cycle = D / DIRCAP;
    uint64_t d = (D % DIRCAP * DIR_MUL + g->dir_off) % DIRCAP;
    uint32_t d1 = (uint32_t)(d / (N_L2 * N_L3)), d2 = (uint32_t)(d / N_L3 % N_L2);
    uint64_t h = mix2(g->seed, d1 * 64 + d2);

    fi->L = &LANGS[L1_LANGS[d1][h % 100 < 70 ? 0 : 1]];
    snprintf(fi->l1, sizeof fi->l1, "%s", DIR_L1[d1]);
    snprintf(fi->l2, sizeof fi->l2, "%s", DIR_L2[d2]);
    if (cycle) {
        pt_buf_reset(&g->tmp);
        puts_(g, &g->tmp, DIR_L2[d2]);
        put_u64(g, &g->tmp, cycle + 1);
        copy_buf(fi->l2, sizeof fi->l2, &g->tmp);
    }
    snprintf(fi->l3, sizeof fi->l3, "%s", DIR_L3[d % N_L3]);

    uint64_t s = (f % FILES_PER_DIR * 9 + mix2(g->seed, d + 1)) % N_STEMS;
    pt_buf_reset(&g->tmp);
    put_styled(g, &g->tmp, fi->L->file_style, STEMS[s], 1);
    copy_buf(fi->stem, sizeof fi->stem, &g->tmp);

    snprintf(fi->folder, sizeof fi->folder, "%s/%s/%s", fi->l1, fi->l2,
             fi->l3);
    snprintf(fi->filename, sizeof fi->filename, "%s.%s", fi->stem,
             fi->L->ext);
    snprintf(fi->path, sizeof fi->path, "%s/%s", fi->folder, fi->filename);
    memcpy(fi->sanitized, fi->path, sizeof fi->path);
    for (char *p = fi->sanitized; *p; p++)
        if (*p == '/' || *p == '.' || *p == '-')
            *p = '_';

    fi->eol = rng_pct(&g->r, 3) ? "\r\n" : "\n"; /* a few CRLF files */
    fi->birth = 1577836800u + rng_below(&g->r, 5u * 365 * 86400);
    fi->next_line = rng_range(&g->r, 3, 30); /* past the imports */
}

/* How many entities file gets, given `left` for `files_left` files: a
 * skewed draw around the running mean, clamped so that every later file
 * still gets between 1 and MAXC. */
static uint32_t file_entities(gen_ctx *g, uint64_t left, uint64_t files_left)
{
    /* skew in eighths of the mean: mostly 1/8..15/8, now and then 2..4x */
    uint32_t skew = rng_pct(&g->r, 5) ? rng_range(&g->r, 16, 32)
                                      : rng_range(&g->r, 1, 15);
    uint64_t scaled = left * 8 / files_left * skew;
    uint64_t c = (scaled + rng_below(&g->r, 64)) / 64; /* random rounding */
    uint64_t rest = files_left - 1;
    uint64_t lo = left > MAXC * rest ? left - MAXC * rest : 1;
    uint64_t hi = left - rest < MAXC ? left - rest : MAXC;

    if (c < lo)
        c = lo;
    if (c > hi)
        c = hi;
    return (uint32_t)c;
}

/* ------------------------------------------------------------- values -- */

static void put_rfc3339(gen_ctx *g, uint64_t t)
{
    /* civil_from_days (H. Hinnant), integer-only */
    int64_t z = (int64_t)(t / 86400) + 719468;
    uint64_t sec = t % 86400;
    int64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned day = doy - (153 * mp + 2) / 5 + 1;
    unsigned mon = mp < 10 ? mp + 3 : mp - 9;
    unsigned year = (unsigned)(yoe + era * 400) + (mon <= 2);
    unsigned v[6] = { year, mon, day, (unsigned)(sec / 3600),
                      (unsigned)(sec / 60 % 60), (unsigned)(sec % 60) };
    char s[21];

    s[0] = (char)('0' + v[0] / 1000);
    s[1] = (char)('0' + v[0] / 100 % 10);
    s[2] = (char)('0' + v[0] / 10 % 10);
    s[3] = (char)('0' + v[0] % 10);
    for (int i = 1; i < 6; i++) {
        s[1 + 3 * i] = "--T::Z"[i - 1];
        s[2 + 3 * i] = (char)('0' + v[i] / 10);
        s[3 + 3 * i] = (char)('0' + v[i] % 10);
    }
    s[19] = 'Z';
    jstr(g, s, 20);
}

static void put_hash(gen_ctx *g)
{
    static const char hex[] = "0123456789abcdef";
    char h[64];

    for (int i = 0; i < 4; i++) {
        uint64_t x = rng_next(&g->r);
        for (int j = 0; j < 16; j++)
            h[i * 16 + j] = hex[(x >> (60 - 4 * j)) & 15];
    }
    jstr(g, h, 64);
}

static void put_tdd(gen_ctx *g, size_t size, uint32_t deps)
{
    static const char *const TESTABILITY[] = { "High", "Medium", "Low" };
    static const char *const RISK[] = { "Low", "Medium", "High" };
    unsigned cx = size < 1500 ? 0 : size < 8000 ? 1 : 2;
    static const char *const COMPLEXITY[] = { "Simple", "Moderate", "Complex" };

    raw(g, "{");
    member(g, "entity_class");
    jcstr(g, "CODE");
    member(g, "testability");
    jcstr(g, TESTABILITY[(cx + rng_below(&g->r, 2)) % 3]);
    member(g, "complexity");
    jcstr(g, COMPLEXITY[cx]);
    member(g, "dependencies");
    num(g, deps);
    member(g, "test_coverage_estimate");
    put_fixed2(g, &g->out, rng_below(&g->r, 101));
    member(g, "critical_path");
    raw(g, rng_pct(&g->r, 15) ? "true" : "false");
    member(g, "change_risk");
    jcstr(g, PICK(&g->r, RISK));
    raw(g, "}");
}

static void put_location(gen_ctx *g, uint32_t line)
{
    raw(g, "{");
    member(g, "file_path");
    jcstr(g, g->file.path);
    member(g, "line");
    num(g, line);
    member(g, "character");
    num(g, rng_below(&g->r, 40));
    raw(g, "}");
}

static void put_lsp(gen_ctx *g, const char *sig, size_t siglen,
                    const ent_info *e)
{
    const file_info *fi = &g->file;
    uint32_t refs = rng_below(&g->r, 4);

    raw(g, "{");
    member(g, "type_information");
    raw(g, "{");
    member(g, "resolved_type");
    jstr(g, sig, siglen);
    member(g, "module_path");
    raw(g, "[");
    jcstr(g, fi->l2);
    raw(g, ",");
    jcstr(g, fi->l3);
    raw(g, ",");
    jcstr(g, fi->stem);
    raw(g, "]");
    member(g, "generic_params");
    raw(g, "[]");
    member(g, "definition_location");
    put_location(g, e->line_start);
    raw(g, "}");
    member(g, "usage_analysis");
    raw(g, "{");
    member(g, "total_references");
    num(g, refs + rng_below(&g->r, 20));
    member(g, "usage_locations");
    raw(g, "[");
    for (uint32_t i = 0; i < refs; i++) {
        if (i)
            raw(g, ",");
        put_location(g, rng_range(&g->r, 1, fi->next_line + 200));
    }
    raw(g, "]");
    member(g, "dependents");
    raw(g, "[]");
    raw(g, "}");
    member(g, "semantic_tokens");
    raw(g, "[]");
    raw(g, "}");
}

/* ----------------------------------------------------------- CodeGraph -- */

enum action { A_NONE, A_EDIT, A_CREATE, A_DELETE };

static int pick_action(gen_ctx *g)
{
    uint32_t u = rng_below(&g->r, 100);
    return u < 86 ? A_NONE : u < 95 ? A_EDIT : u < 98 ? A_CREATE : A_DELETE;
}

static void put_code_or_null(gen_ctx *g, const pt_buf *b, int present)
{
    if (present)
        jbuf(g, b);
    else
        raw(g, "null");
}

static void code_graph_value(gen_ctx *g, const etype *t, const ent_info *e,
                             int act)
{
    const file_info *fi = &g->file;
    const pt_buf *fut = act == A_EDIT ? &g->fut : &g->code;
    const char *acts[] = { NULL, "Edit", "Create", "Delete" };
    size_t so, sl;

    signature(&g->code, &so, &sl);
    raw(g, "{");
    member(g, "Current_Code");
    put_code_or_null(g, &g->code, act != A_CREATE);
    member(g, "Future_Code");
    put_code_or_null(g, fut, act == A_EDIT || act == A_CREATE);
    member(g, "interface_signature");
    if (t->kind != K_DATA && rng_pct(&g->r, 80))
        jstr(g, g->code.data + so, sl);
    else
        raw(g, "null");
    member(g, "TDD_Classification");
    put_tdd(g, g->code.len, e->edges);
    member(g, "lsp_meta_data");
    if (rng_pct(&g->r, 35))
        put_lsp(g, g->code.data + so, sl, e);
    else
        raw(g, "null");
    member(g, "current_ind");
    num(g, act != A_CREATE);
    member(g, "future_ind");
    num(g, act != A_DELETE);
    member(g, "Future_Action");
    if (acts[act])
        jcstr(g, acts[act]);
    else
        raw(g, "null");
    member(g, "file_path");
    jcstr(g, fi->path);
    member(g, "language");
    jcstr(g, fi->L->name);
    member(g, "last_modified");
    put_rfc3339(g, fi->birth + rng_below(&g->r, 400u * 86400));
    member(g, "entity_type");
    jcstr(g, t->name);
    member(g, "entity_class");
    jcstr(g, "CODE");
    member(g, "birth_timestamp");
    num(g, fi->birth);
    member(g, "content_hash");
    put_hash(g);
    member(g, "semantic_path");
    pt_buf_reset(&g->tmp);
    const char *parts[] = { fi->l2, fi->l3, fi->stem, g->name };
    for (size_t i = 0; i < NELEM(parts); i++) {
        if (i)
            puts_(g, &g->tmp, fi->L->sem_sep);
        puts_(g, &g->tmp, parts[i]);
    }
    jbuf(g, &g->tmp);
    member(g, "root_subfolder_L1");
    jcstr(g, fi->l1);
    member(g, "root_subfolder_L2");
    jcstr(g, fi->l2);
    raw(g, "}");
}

static const etype *pick_etype(gen_ctx *g)
{
    const lang *L = g->file.L;
    uint32_t total = 0, u;
    size_t i;

    for (i = 0; i < L->ntypes; i++)
        total += L->types[i].weight;
    u = rng_below(&g->r, total);
    for (i = 0; u >= L->types[i].weight; i++)
        u -= L->types[i].weight;
    return &L->types[i];
}

/* ISGL1 key language:type:name:sanitized_path:start-end into the ring. */
static int store_isgl1(gen_ctx *g, const etype *t, const ent_info *e)
{
    slot *s = &g->ring[g->next_entity % RING];
    pt_buf *b = &g->tmp;

    pt_buf_reset(b);
    puts_(g, b, g->file.L->name);
    puts_(g, b, ":");
    puts_(g, b, t->name);
    puts_(g, b, ":");
    puts_(g, b, g->name);
    puts_(g, b, ":");
    puts_(g, b, g->file.sanitized);
    puts_(g, b, ":");
    put_u64(g, b, e->line_start);
    puts_(g, b, "-");
    put_u64(g, b, e->line_end);
    if (g->rc == 0 && b->len >= KEYMAX) {
        set_err(g, "gen: entity key too long");
        return -EOVERFLOW;
    }
    s->len = (uint32_t)b->len;
    memcpy(s->key, b->data, b->len);
    return 0;
}

static int emit_entity(gen_ctx *g, uint32_t k)
{
    file_info *fi = &g->file;
    ent_info *e = &fi->ents[k];
    const etype *t = pick_etype(g);
    int act = pick_action(g), r;

    make_name(g, g->name, sizeof g->name, t->kind);
    gen_code(g, t->kind, code_target(g));
    e->line_start = fi->next_line;
    e->line_end = e->line_start + count_lines(&g->code) - 1;
    e->words = (uint32_t)(g->code.len / 6);
    fi->next_line = e->line_end + 1 + rng_range(&g->r, 1, 3);
    if (act == A_EDIT)
        make_future(g);
    r = store_isgl1(g, t, e);
    if (r < 0)
        return r;

    const slot *s = &g->ring[g->next_entity % RING];
    const char *parts[] = { s->key };
    size_t lens[] = { s->len };
    key_join(g, parts, lens, 1);
    row_begin(g, "CodeGraph");
    code_graph_value(g, t, e, act);
    g->next_entity++;
    return row_end(g);
}

/* ----------------------------------------------------- DependencyEdges -- */

/* Candidates are (entity, type) pairs numbered by how far back the entity
 * lies: p = back * N_EDGE_TYPES + type, back < window. */
static int picked(const uint32_t *used, uint32_t n, uint32_t p)
{
    for (uint32_t i = 0; i < n; i++)
        if (used[i] == p)
            return 1;
    return 0;
}

/* A free pair for the entity `self` entities back; recursion (an edge to
 * itself) only when nothing else is left. */
static uint32_t pick_edge(gen_ctx *g, uint32_t window, uint32_t self,
                          const uint32_t *used, uint32_t n)
{
    uint32_t span = window * N_EDGE_TYPES, p;

    for (int tries = 0; tries < 8; tries++) {
        uint32_t back = rng_pct(&g->r, 40)
                            ? rng_below(&g->r, g->file.nents)
                            : rng_below(&g->r, window);
        uint32_t u = rng_below(&g->r, 100);
        uint32_t type = u < 70 ? 0 : u < 94 ? 1 : 2;
        p = back * N_EDGE_TYPES + type;
        if (back != self && !picked(used, n, p))
            return p;
    }
    /* Dense corner (tiny inputs): take the next free pair. There always is
     * one: an entity has at most 3 * nents edges and window >= nents. */
    p = rng_below(&g->r, span);
    while (picked(used, n, p))
        p = (p + 1) % span;
    return p;
}

static int emit_edges_from(gen_ctx *g, uint32_t k, uint32_t window)
{
    const file_info *fi = &g->file;
    const ent_info *e = &fi->ents[k];
    const slot *from = &g->ring[(fi->first_entity + k) % RING];
    uint32_t self = fi->nents - 1 - k;
    uint32_t used[3 * MAXC];
    int r;

    for (uint32_t i = 0; i < e->edges; i++) {
        uint32_t p = pick_edge(g, window, self, used, i);
        const slot *to = &g->ring[(g->next_entity - 1 - p / N_EDGE_TYPES) % RING];
        const char *type = EDGE_TYPES[p % N_EDGE_TYPES];
        const char *parts[] = { from->key, to->key, type };
        size_t lens[] = { from->len, to->len, strlen(type) };

        used[i] = p;
        key_join(g, parts, lens, 3);
        row_begin(g, "DependencyEdges");
        raw(g, "{");
        member(g, "source_location");
        pt_buf_reset(&g->tmp);
        puts_(g, &g->tmp, fi->path);
        puts_(g, &g->tmp, ":");
        put_u64(g, &g->tmp, rng_range(&g->r, e->line_start, e->line_end));
        jbuf(g, &g->tmp);
        raw(g, "}");
        if ((r = row_end(g)) < 0)
            return r;
    }
    return 0;
}

/* Three edges per entity on average, spread unevenly over the file's
 * entities; drawn before the entities so TDD "dependencies" agrees. */
static void plan_edges(gen_ctx *g)
{
    file_info *fi = &g->file;

    for (uint32_t k = 0; k < fi->nents; k++)
        fi->ents[k].edges = 0;
    for (uint32_t i = 0; i < 3 * fi->nents; i++)
        fi->ents[rng_below(&g->r, fi->nents)].edges++;
}

static int emit_edges(gen_ctx *g)
{
    uint64_t seen = g->next_entity;
    uint32_t window = seen < RING ? (uint32_t)seen : RING;
    int r;

    for (uint32_t k = 0; k < g->file.nents; k++)
        if ((r = emit_edges_from(g, k, window)) < 0)
            return r;
    return 0;
}

/* ------------------------------------------------- the per-file rows -- */

static void test_name(gen_ctx *g, uint32_t i)
{
    int st = g->file.L->name_style;
    const char *verb = PICK(&g->r, VERBS), *noun = PICK(&g->r, NOUNS);

    pt_buf_reset(&g->tmp);
    puts_(g, &g->tmp, st == S_SNAKE ? "test_" : st == S_CAMEL ? "should" : "Test");
    put_words(g, &g->tmp, st == S_SNAKE ? S_SNAKE : S_PASCAL, verb, noun);
    puts_(g, &g->tmp, "_");
    /* distinct scenario per row of the file keeps the names unique */
    put_styled(g, &g->tmp, st == S_SNAKE ? S_SNAKE : S_PASCAL,
               SCENARIOS[i % NELEM(SCENARIOS)], 1);
}

/* TestEntitiesExcluded: tests live beside or below their source file, at
 * a path that is a function of it, so (name, folder, file) stays unique. */
static int emit_tests(gen_ctx *g, uint32_t count)
{
    const file_info *fi = &g->file;
    const lang *L = fi->L;
    char folder[128], filename[128];
    int inline_tests = !*L->test_suf;
    uint32_t line = inline_tests ? fi->next_line + 5 : 5;
    int r;

    snprintf(folder, sizeof folder, "%s%s", fi->folder, L->test_sub);
    if (inline_tests)
        snprintf(filename, sizeof filename, "%s", fi->filename);
    else
        snprintf(filename, sizeof filename, "%s%s%s", L->test_pre, fi->stem,
                 L->test_suf);
    for (uint32_t i = 0; i < count; i++) {
        test_name(g, i);
        const char *parts[] = { g->tmp.data, folder, filename };
        size_t lens[] = { g->tmp.len, strlen(folder), strlen(filename) };
        uint32_t len = rng_range(&g->r, 4, 60);
        key_join(g, parts, lens, 3);
        row_begin(g, "TestEntitiesExcluded");
        raw(g, "{");
        member(g, "entity_class");
        jcstr(g, "TEST");
        member(g, "language");
        jcstr(g, L->name);
        member(g, "line_start");
        num(g, line);
        member(g, "line_end");
        num(g, line + len);
        member(g, "detection_reason");
        jcstr(g, L->test_reason);
        raw(g, "}");
        line += len + 2;
        if ((r = row_end(g)) < 0)
            return r;
    }
    return 0;
}

static int emit_coverage(gen_ctx *g)
{
    const file_info *fi = &g->file;
    uint64_t ent = 0, imp = rng_range(&g->r, 5, 80), com, src, eff;

    for (uint32_t k = 0; k < fi->nents; k++)
        ent += fi->ents[k].words;
    com = rng_below(&g->r, (uint32_t)(ent / 5 + 10));
    src = ent + imp + com + rng_below(&g->r, (uint32_t)(ent / 8 + 20));
    eff = (ent * 10000 + (src - imp - com) / 2) / (src - imp - com);

    const char *parts[] = { fi->folder, fi->filename };
    size_t lens[] = { strlen(fi->folder), strlen(fi->filename) };
    key_join(g, parts, lens, 2);
    row_begin(g, "FileWordCoverage");
    raw(g, "{");
    member(g, "language");
    jcstr(g, fi->L->name);
    member(g, "source_word_count");
    num(g, src);
    member(g, "entity_word_count");
    num(g, ent);
    member(g, "import_word_count");
    num(g, imp);
    member(g, "comment_word_count");
    num(g, com);
    member(g, "raw_coverage_pct");
    put_fixed2(g, &g->out, (ent * 10000 + src / 2) / src);
    member(g, "effective_coverage_pct");
    put_fixed2(g, &g->out, eff > 10000 ? 10000 : eff);
    member(g, "entity_count");
    num(g, fi->nents);
    raw(g, "}");
    return row_end(g);
}

static int emit_ignored(gen_ctx *g, uint64_t f)
{
    const file_info *fi = &g->file;
    uint32_t slot2 = (uint32_t)(f % FILES_PER_DIR / 4);
    uint32_t i = 2 * rng_below(&g->r, NELEM(IGNORED) / 2) + slot2;
    const char *name = IGNORED[i][0], *dot = strrchr(name, '.');
    const char *ext = dot && dot != name ? dot + 1 : "";

    const char *parts[] = { fi->folder, name };
    size_t lens[] = { strlen(fi->folder), strlen(name) };
    key_join(g, parts, lens, 2);
    row_begin(g, "IgnoredFiles");
    raw(g, "{");
    member(g, "extension");
    jcstr(g, ext);
    member(g, "reason");
    jcstr(g, IGNORED[i][1]);
    raw(g, "}");
    return row_end(g);
}

/* One file as a tool walking the tree reports it: its entities, their
 * edges, its excluded tests, its coverage, then an ignored neighbour. */
static int emit_file(gen_ctx *g, uint64_t f, uint32_t nents)
{
    file_info *fi = &g->file;
    uint32_t tests = 0;
    int r;

    file_setup(g, f);
    fi->nents = nents;
    fi->first_entity = g->next_entity;
    plan_edges(g);
    for (uint32_t k = 0; k < nents; k++)
        if ((r = emit_entity(g, k)) < 0)
            return r;
    if ((r = emit_edges(g)) < 0)
        return r;
    /* Bresenham: exactly tee_total rows over all files, evenly spread. */
    for (g->tee_acc += g->tee_total; g->tee_acc >= g->files; tests++)
        g->tee_acc -= g->files;
    if ((r = emit_tests(g, tests)) < 0 || (r = emit_coverage(g)) < 0)
        return r;
    /* Every 4th file, and the last (ceil(files / 4) in all); slot 0 or 1 of
     * its directory picks the IGNORED column, keeping names distinct. */
    if (f % 4 == 3 || f == g->files - 1)
        return emit_ignored(g, f);
    return 0;
}

/* ---------------------------------------------------------------- API -- */

void gen_plan(const gen_params *p, gen_counts *out)
{
    uint64_t n = p->entities, files = n / 8 + (n % 8 != 0);

    out->code_graph = n;
    out->dependency_edges = 3 * n;
    out->test_entities_excluded = n / 10 + (n % 10 != 0);
    out->file_word_coverage = files;
    out->ignored_files = files / 4 + (files % 4 != 0);
}

static int ctx_init(gen_ctx *g, const gen_params *p, FILE *out, char *err,
                    size_t errlen)
{
    gen_counts c;
    uint64_t x = p->seed;

    memset(g, 0, sizeof *g);
    gen_plan(p, &c);
    g->seed = splitmix64(&x);
    rng_seed(&g->r, p->seed);
    g->files = c.file_word_coverage;
    g->tee_total = c.test_entities_excluded;
    g->tee_acc = g->files / 2;
    g->dir_off = (uint32_t)(mix2(g->seed, 0) % DIRCAP);
    g->fp = out;
    g->err = err;
    g->errlen = errlen;
    pt_buf_init(&g->out);
    pt_buf_init(&g->code);
    pt_buf_init(&g->fut);
    pt_buf_init(&g->tmp);
    pt_buf_init(&g->key);
    g->ring = malloc(RING * sizeof *g->ring);
    if (!g->ring || pt_buf_reserve(&g->out, 2 * FLUSH_AT) < 0 ||
        pt_buf_reserve(&g->code, 128 * 1024) < 0) {
        set_err(g, "gen: out of memory");
        return -ENOMEM;
    }
    return 0;
}

static void ctx_free(gen_ctx *g)
{
    free(g->ring);
    pt_buf_free(&g->out);
    pt_buf_free(&g->code);
    pt_buf_free(&g->fut);
    pt_buf_free(&g->tmp);
    pt_buf_free(&g->key);
}

static int run(gen_ctx *g, uint64_t entities)
{
    uint64_t left = entities;
    int r;

    for (uint64_t f = 0; f < g->files; f++) {
        uint32_t n = file_entities(g, left, g->files - f);
        left -= n;
        if ((r = emit_file(g, f, n)) < 0)
            return r;
    }
    return flush_out(g);
}

int gen_write(const gen_params *p, FILE *out, char *err, size_t errlen)
{
    gen_ctx *g;
    int r;

    if (err && errlen)
        err[0] = '\0';
    if (p->entities == 0)
        return 0;
    if (p->entities > MAX_ENTITIES) {
        if (err && errlen)
            snprintf(err, errlen, "gen: at most %llu entities",
                     (unsigned long long)MAX_ENTITIES);
        return -EINVAL;
    }
    g = malloc(sizeof *g);
    if (!g) {
        if (err && errlen)
            snprintf(err, errlen, "gen: out of memory");
        return -ENOMEM;
    }
    r = ctx_init(g, p, out, err, errlen);
    if (r == 0)
        r = run(g, p->entities);
    errno = 0;
    if (r == 0 && fflush(out) != 0)
        r = write_failed(g);
    ctx_free(g);
    free(g);
    return r;
}

/* Sizes measured with this generator at N=200000, seeds 1 and 2 (they
 * differ by under 0.5%); re-measure when the templates or sizes change. */
const char *gen_describe(void)
{
    return
        "Writes Parseltongue-shaped NDJSON for all five relations to stdout,\n"
        "one compact row {\"rel\":..,\"key\":..,\"value\":..} per line. The same\n"
        "--entities N and --seed S give the same bytes on every machine;\n"
        "another seed gives other data of the same shape.\n"
        "\n"
        "Rows for N entities, in F = ceil(N/8) files (1-64 entities each, ~8):\n"
        "  relation              rows         avg row (measured, N=200000)\n"
        "  CodeGraph             N            7.5 KB\n"
        "  DependencyEdges       3*N          240 B\n"
        "  TestEntitiesExcluded  ceil(N/10)   240 B\n"
        "  FileWordCoverage      F            270 B\n"
        "  IgnoredFiles          ceil(F/4)    120 B\n"
        "About 8.3 KB of output per entity, 91% of it CodeGraph:\n"
        "N=10000 -> ~83 MB, N=200000 -> 1.66 GB (851,250 rows).\n"
        "\n"
        "CodeGraph code text is long-tailed: median 2.5 KB, mean 5.6 KB,\n"
        "38% under 1.5 KB, 1% of 40-100 KB; rust, python, typescript,\n"
        "javascript, go, java, c, cpp and ruby, with quotes, backslashes,\n"
        "tabs, CRLF files and non-ASCII comments. ~14% of rows carry a\n"
        "planned Edit/Create/Delete (Future_Code, Future_Action).\n"
        "Rows come file by file, as a tool walking the tree emits them: the\n"
        "file's entities, their edges, its excluded tests, its coverage, and\n"
        "every 4th file an ignored neighbour. Multi-column keys join their\n"
        "columns with '|', escaping '|' and '\\' inside a column with '\\'.\n";
}
