/*
 * rec.h - the record codec: a small set of named byte fields, the value of
 * one store key.  Every object (a connection, a profile, /admin) is one
 * record: its metadata (mtime, by, owner, created) and the canonical text
 * of its attribute files, so one fetch answers getattr and read.
 *
 * Encoding: for each field, the name, a NUL, a 4-byte little-endian
 * length and the value.  Fields keep their order of first rec_set().
 * The record owns copies of everything; rec_release() frees them.
 */
#ifndef CJAFS_REC_H
#define CJAFS_REC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct rec_field {
	char *name;
	char *val;		/* NUL-terminated copy; len excludes the NUL */
	size_t len;
};

struct rec {
	struct rec_field *f;
	size_t n;
};

#define REC_INIT { NULL, 0 }

/* Decode data into r (r must be empty): -EIO for a malformed record. */
int rec_decode(struct rec *r, const char *data, size_t len);
int rec_encode(const struct rec *r, struct buf *out);
/* rec_get_i64() of encoded data without decoding it all: *out is the
 * value of name, or def; -EIO for a malformed record. */
int rec_peek_i64(const char *data, size_t len, const char *name,
		 int64_t def, int64_t *out);
/* Value of name (NUL-terminated), or NULL; *len if len is not NULL. */
const char *rec_get(const struct rec *r, const char *name, size_t *len);
int rec_set(struct rec *r, const char *name, const void *val, size_t len);
int rec_sets(struct rec *r, const char *name, const char *s);
int rec_set_i64(struct rec *r, const char *name, int64_t v);
int64_t rec_get_i64(const struct rec *r, const char *name, int64_t def);
void rec_del(struct rec *r, const char *name);
void rec_release(struct rec *r);

#endif
