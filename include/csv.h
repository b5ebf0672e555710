/*
 * csv.h - streaming RFC 4180 CSV reader and writer.
 *
 * The reader is fed arbitrary chunks (write(2) calls split rows anywhere:
 * inside a quoted field, between CR and LF) and calls back once per
 * complete row.  It copies each row's unescaped fields into one buffer
 * it owns, so there is no allocation per field or per row once the
 * buffers have grown; memory stays below max_line_bytes + max_fields * 16
 * plus a constant, whatever the input.
 *
 * Syntax:
 *  - fields are separated by ','; a row ends at LF or CRLF.
 *  - A field that starts with '"' is quoted: it may hold ',', CR, LF and
 *    '""' (one quote); after the closing quote comes ',', LF, CRLF or the
 *    end of input.  Anything else is CSV_ERR_AFTER_QUOTE.
 *  - A '"' inside an unquoted field is CSV_ERR_QUOTE.  No spaces are
 *    trimmed: ' "a"' is an unquoted field holding a quote, so an error.
 *  - A CR not followed by LF is data in an unquoted field ("a\rb" is one
 *    field of three bytes), and an error after a closing quote.  Only the
 *    one CR right before the LF is dropped.
 *  - An empty line (nothing, or only a CR, before the LF) is no row: it
 *    is skipped silently.  A line holding "" is a row of one empty field.
 *  - NUL bytes are data; use len, not strlen.
 *  - End of input (csv_finish) ends a pending last line as an LF would;
 *    inside an open quote it is CSV_ERR_UNTERMINATED.
 *
 * Bad rows: a row with a syntax error, more than max_fields fields, or
 * more than max_line_bytes bytes (its raw text, quotes included, line
 * terminator excluded) is delivered as one row with error set and no
 * fields, at the point where it ends, and parsing goes on with the next
 * row.  A bad row ends where a good one would: at the first LF outside a
 * field that opened with a quote, so a bad row holding a quoted newline
 * is skipped whole.  Its bytes are scanned but not kept, so a 10 MiB line
 * costs no memory.  When a row has several problems the first one found
 * is reported, and any problem found past max_line_bytes bytes counts as
 * CSV_ERR_LINE_TOO_LONG (the row is too long anyway), so the verdict does
 * not depend on how the input was cut into feeds.  Suggested reasons for a
 * dataset's skip counters: CSV_ERR_TOO_MANY_FIELDS is wrong_field_count; the
 * others are the row's own reasons, csv_error_reason().
 *
 * Line numbers are physical lines from 1 (a quoted newline starts a new
 * one; skipped empty lines count), so "records:LINE: msg" points at the
 * row's first byte.
 *
 * Not thread-safe; one reader per stream.  The callback must not feed
 * the reader that calls it.
 */
#ifndef CJAFS_CSV_H
#define CJAFS_CSV_H

#include <stddef.h>

#include "buf.h"

/* Suggested limits for callers with no better idea. */
#define CSV_DEFAULT_MAX_LINE (1024 * 1024)
#define CSV_DEFAULT_MAX_FIELDS 1024

enum csv_error {
	CSV_OK = 0,
	CSV_ERR_QUOTE,		 /* '"' inside an unquoted field */
	CSV_ERR_AFTER_QUOTE,	 /* text after a closing quote */
	CSV_ERR_UNTERMINATED,	 /* input ended inside a quoted field */
	CSV_ERR_LINE_TOO_LONG,	 /* more than max_line_bytes bytes */
	CSV_ERR_TOO_MANY_FIELDS, /* more than max_fields fields */
};

/*
 * One row, valid only during the callback: the reader owns every pointer
 * and reuses the memory for the next row.  When error is CSV_OK, field[i]
 * points at len[i] bytes followed by a NUL (nfields >= 1); otherwise
 * nfields is 0 and field and len are NULL.
 */
struct csv_row {
	size_t nfields;
	const char *const *field;
	const size_t *len;
	long line; /* physical line of the row's first byte, from 1 */
	int error; /* enum csv_error */
};

/*
 * Called once per row, good or bad.  Return 0 to go on; anything else
 * stops the feed, which returns that value (use -errno).
 */
typedef int csv_row_fn(void *arg, const struct csv_row *row);

/* Private: fields are the reader's; the struct is public to be embedded. */
struct csv_reader {
	size_t max_line;
	size_t max_fields;
	char *buf; /* unescaped fields of the row, each NUL-terminated */
	size_t cap;
	size_t used;   /* bytes of buf in use */
	size_t fstart; /* offset of the current field in buf */
	size_t *len;   /* lengths of the completed fields */
	const char **field;
	size_t fcap; /* entries in len and field */
	size_t nf;   /* completed fields of the row */
	size_t raw;  /* bytes of input taken by the row so far */
	long line;   /* physical line of the next byte */
	long row_line;
	int state;
	int err;      /* first problem of the row, enum csv_error */
	int cr_strip; /* a CR before the final LF was dropped */
};

/*
 * No allocation; both limits must be at least 1 (assert).  The reader
 * allocates as rows need it, up to about max_line_bytes + 3 for text and
 * 2 * sizeof(size_t) per field up to max_fields.
 */
void csv_reader_init(struct csv_reader *r, size_t max_line_bytes,
		     size_t max_fields);
/* Free the buffers; the reader is reset and may be used again. */
void csv_reader_release(struct csv_reader *r);
/* Drop a pending partial row and start again at line 1; keeps memory. */
void csv_reader_reset(struct csv_reader *r);

/*
 * Parse len bytes, calling row() for each row they complete.  A trailing
 * partial row stays in the reader for the next feed or csv_finish().
 * Returns 0, -ENOMEM, or the callback's non-zero value; on failure the
 * rest of data and the partial row are dropped (as csv_reader_reset but
 * keeping the line count), so the reader can take new input.
 */
int csv_feed(struct csv_reader *r, const char *data, size_t len,
	     csv_row_fn *row, void *arg);

/*
 * End of input: deliver a pending last line as if an LF followed it, or
 * an open quote as a CSV_ERR_UNTERMINATED row.  Returns as csv_feed().
 * The reader is then reset (line 1) for a new input.
 */
int csv_finish(struct csv_reader *r, csv_row_fn *row, void *arg);

/*
 * Bytes of input held back as the start of an incomplete row: after a
 * feed, the last csv_pending() bytes fed belong to no delivered row yet
 * (a bad row being skipped included; a complete empty line never).  0
 * when the input fed so far ends at a row boundary.
 */
size_t csv_pending(const struct csv_reader *r);

/* "quote inside unquoted field"...: lowercase, for error messages. */
const char *csv_error_message(int err);
/* "bad_quote", "line_too_long"...: snake_case, for skip counters. */
const char *csv_error_reason(int err);

/*
 * Append s[0..len) as one field.  It is quoted (quotes doubled) when it
 * holds ',', '"', CR or LF, or starts or ends with a space or tab, so
 * readers that trim keep the spaces.  Returns 0 or -ENOMEM; b is
 * unchanged on failure.
 */
int csv_write_field(struct buf *b, const char *s, size_t len);

/*
 * Append a row of n >= 1 fields and an LF.  len may be NULL for
 * NUL-terminated fields.  A row of one empty field is written as "\"\""
 * so that it does not read back as a skipped empty line.  Returns 0,
 * -ENOMEM (b unchanged) or -EINVAL for n == 0.
 */
int csv_write_row(struct buf *b, size_t n, const char *const *field,
		  const size_t *len);

/*
 * csv_write_row() for a file meant for a spreadsheet (computed outputs:
 * rows.csv, report/DIM.csv).  A field that starts with '=', '+', '-',
 * '@', TAB or CR (OWASP's CSV injection list) and is not a plain decimal
 * number ([+-]D+[.D+][(e|E)[+-]D+], so -3.5 and 1e-05 stay numbers) is
 * written quoted with a single quote in front: =1+2 becomes "'=1+2", which
 * a spreadsheet shows as the text =1+2 instead of running it.  Every
 * other field is written as csv_write_row() writes it.
 */
int csv_write_row_safe(struct buf *b, size_t n, const char *const *field,
		       const size_t *len);
/* 1 if csv_write_row_safe() neutralises s[0..len). */
int csv_cell_is_formula(const char *s, size_t len);

#endif
