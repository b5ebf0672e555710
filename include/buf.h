/*
 * buf.h - growable byte buffer.
 *
 * Every file content, record and message is built in a struct buf.  The
 * data is always NUL-terminated once anything was added (data[len] == 0),
 * so text can be handed to C string functions; len never counts the NUL.
 * Functions return 0 or -ENOMEM.  The owner calls buf_release().
 */
#ifndef CJAFS_BUF_H
#define CJAFS_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
/* Free the contents; b is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Make room for extra more bytes (plus the NUL). */
int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget the contents but keep the allocation. */
void buf_reset(struct buf *b);
/* Replace the contents with a copy of p[0..n). */
int buf_set(struct buf *b, const void *p, size_t n);
/* Give the allocation to the caller (never NULL on success: "" if empty). */
char *buf_detach(struct buf *b, size_t *len);

#endif
