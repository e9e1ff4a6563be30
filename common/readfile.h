/* readfile.h - a small file read whole, as the config loaders read the
 * YAML file and rocksdb.options_file.
 *
 * Only a regular file is read. Opening a FIFO for reading waits for a
 * writer, and reading a device may never end: `--check-config` would
 * hang, and a reload would hold up whatever thread reads it. The file is
 * opened without blocking (O_NONBLOCK on POSIX; a regular file ignores
 * it) and checked with fstat on the open descriptor, so nothing can be
 * swapped in between a check and the open.
 * readfile_posix.c or readfile_win.c, whichever common/meson.build picks.
 * Any thread.
 */
#ifndef PT_READFILE_H
#define PT_READFILE_H

#include <stddef.h>

#include "buf.h"

/* Append the bytes of the regular file at path to b, at most max_bytes.
 * Returns 0, or a negative errno code with a one-line reason in why:
 *   open's own code:  "cannot open NAME: <strerror>"
 *   -EINVAL:          "NAME is a FIFO, not a regular file" (or a directory,
 *                     a device, a socket)
 *   -EFBIG:           "NAME is larger than N bytes"
 *   read's own code:  "cannot read NAME: <strerror>"
 *   -ENOMEM.
 * NAME is `name`, or left out of the sentence when name is NULL ("cannot
 * open: ...", "a FIFO, not a regular file", "larger than N bytes"). */
int pt_read_regular_file(const char *path, const char *name, size_t max_bytes, pt_buf *b,
                         char *why, size_t whylen);

/* The reason a file of this st_mode type is refused: "a FIFO", "a
 * directory", ... (shared by both platforms' files). */
const char *pt_file_kind(unsigned mode);

#endif
