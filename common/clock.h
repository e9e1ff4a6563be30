/* clock.h - monotonic and wall time, one place for the platform calls. */
#ifndef PT_CLOCK_H
#define PT_CLOCK_H

#include <stdint.h>
#include <uv.h>

/* Monotonic nanoseconds (uv_hrtime: safe from any thread). */
static inline uint64_t pt_now_ns(void) { return uv_hrtime(); }

#endif
