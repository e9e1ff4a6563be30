/* replay.c - main() for a fuzz target built without libFuzzer (gcc, the
 * normal ASan build): runs each file named, or each file in each
 * directory named, through LLVMFuzzerTestOneInput once. The seed corpus
 * and every crash found and fixed (tests/fuzz/corpus/<target>/) thus run
 * in the default suite even where clang's libFuzzer is missing. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL, *exact;
    size_t len = 0, cap = 0, n;

    if (!f) {
        perror(path);
        return 1;
    }
    do {
        if (len == cap) {
            unsigned char *p = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (!p)
                abort();
            buf = p;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    /* exactly sized, as libFuzzer hands it over, so ASan sees overreads */
    exact = malloc(len ? len : 1);
    if (!exact)
        abort();
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, runs = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        DIR *dir;
        struct dirent *e;

        if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
            bad += one(argv[i]);
            runs++;
            continue;
        }
        if (!(dir = opendir(argv[i]))) {
            perror(argv[i]);
            return 1;
        }
        while ((e = readdir(dir)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            bad += one(path);
            runs++;
        }
        closedir(dir);
    }
    printf("%d inputs replayed\n", runs);
    return bad ? 1 : 0;
}
