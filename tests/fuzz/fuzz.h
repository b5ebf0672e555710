/*
 * fuzz.h - shared helpers for the libFuzzer harnesses (tests/fuzz/fuzz_*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput and checks invariants with
 * FUZZ_CHECK, which prints the failed condition and aborts, so libFuzzer
 * records the input as a crash like any sanitizer report.  The harnesses
 * are built with clang -fsanitize=fuzzer,address,undefined (make fuzz).
 */
#ifndef CJAFS_FUZZ_H
#define CJAFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
				__FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

#define FUZZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A NUL-terminated malloc'd copy of data[0..len) (aborts on ENOMEM: a
 * harness has no better answer). */
static inline char *fuzz_strndup(const uint8_t *data, size_t len)
{
	char *s = malloc(len + 1);

	FUZZ_CHECK(s != NULL);
	if (len)
		memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
