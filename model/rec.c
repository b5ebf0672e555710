/*
 * rec.c - the record codec (see rec.h).
 *
 * Records are small (an object's settings, a few KiB at most), so a linear
 * search by name is cheaper than any index.  Decoding checks every length
 * against the buffer: a damaged record is -EIO, never a read past its end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"

static struct rec_field *rec_find(const struct rec *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].name, name))
			return &r->f[i];
	return NULL;
}

int rec_set(struct rec *r, const char *name, const void *val, size_t len)
{
	struct rec_field *f = rec_find(r, name);
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, val, len);
	copy[len] = '\0';
	if (!f) {
		struct rec_field *nf = realloc(r->f, (r->n + 1) * sizeof(*nf));
		char *ncopy = strdup(name);

		if (!nf || !ncopy) {
			if (nf)
				r->f = nf;
			free(ncopy);
			free(copy);
			return -ENOMEM;
		}
		r->f = nf;
		f = &r->f[r->n++];
		f->name = ncopy;
		f->val = NULL;
	}
	free(f->val);
	f->val = copy;
	f->len = len;
	return 0;
}

int rec_sets(struct rec *r, const char *name, const char *s)
{
	return rec_set(r, name, s, strlen(s));
}

int rec_set_i64(struct rec *r, const char *name, int64_t v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%" PRId64, v);
	return rec_sets(r, name, tmp);
}

const char *rec_get(const struct rec *r, const char *name, size_t *len)
{
	const struct rec_field *f = rec_find(r, name);

	if (!f)
		return NULL;
	if (len)
		*len = f->len;
	return f->val;
}

int64_t rec_get_i64(const struct rec *r, const char *name, int64_t def)
{
	const char *v = rec_get(r, name, NULL);
	char *end;
	long long x;

	if (!v || !*v)
		return def;
	x = strtoll(v, &end, 10);
	return *end ? def : (int64_t)x;
}

void rec_del(struct rec *r, const char *name)
{
	struct rec_field *f = rec_find(r, name);

	if (!f)
		return;
	free(f->name);
	free(f->val);
	memmove(f, f + 1, (size_t)(r->f + r->n - (f + 1)) * sizeof(*f));
	r->n--;
}

void rec_release(struct rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->f[i].name);
		free(r->f[i].val);
	}
	free(r->f);
	r->f = NULL;
	r->n = 0;
}

int rec_encode(const struct rec *r, struct buf *out)
{
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		unsigned char l[4];
		uint32_t len = (uint32_t)r->f[i].len;

		l[0] = len & 0xff;
		l[1] = (len >> 8) & 0xff;
		l[2] = (len >> 16) & 0xff;
		l[3] = (len >> 24) & 0xff;
		rc = buf_add(out, r->f[i].name, strlen(r->f[i].name) + 1);
		if (!rc)
			rc = buf_add(out, l, 4);
		if (!rc)
			rc = buf_add(out, r->f[i].val, r->f[i].len);
		if (rc)
			return rc;
	}
	return 0;
}

/* The field of encoded data at *pos: its name and value; *pos moves past
 * it.  1 for a field, 0 at the end, -EIO for a malformed one. */
static int rec_next(const char *data, size_t len, size_t *pos,
		    const char **name, const char **val, size_t *vlen)
{
	const unsigned char *p, *end, *nul;
	uint32_t n;

	if (*pos >= len)
		return 0;
	p = (const unsigned char *)data + *pos;
	end = (const unsigned char *)data + len;
	nul = memchr(p, '\0', (size_t)(end - p));
	if (!nul || nul == p || end - (nul + 1) < 4)
		return -EIO;
	n = (uint32_t)nul[1] | (uint32_t)nul[2] << 8 |
	    (uint32_t)nul[3] << 16 | (uint32_t)nul[4] << 24;
	if ((size_t)(end - (nul + 5)) < n)
		return -EIO;
	*name = (const char *)p;
	*val = (const char *)nul + 5;
	*vlen = n;
	*pos = (size_t)(nul + 5 + n - (const unsigned char *)data);
	return 1;
}

int rec_decode(struct rec *r, const char *data, size_t len)
{
	const char *name, *val;
	size_t pos = 0, vlen;
	int rc;

	while ((rc = rec_next(data, len, &pos, &name, &val, &vlen)) > 0) {
		rc = rec_set(r, name, val, vlen);
		if (rc)
			break;
	}
	if (rc)
		rec_release(r);
	return rc;
}

int rec_peek_i64(const char *data, size_t len, const char *name,
		 int64_t def, int64_t *out)
{
	const char *fname, *val, *hit = NULL;
	size_t pos = 0, vlen, hlen = 0;
	char tmp[32], *str, *end;
	long long x;
	int rc;

	/* the last field of that name wins, as rec_decode()'s rec_set() */
	while ((rc = rec_next(data, len, &pos, &fname, &val, &vlen)) > 0)
		if (!strcmp(fname, name)) {
			hit = val;
			hlen = vlen;
		}
	if (rc)
		return rc;
	*out = def;
	if (!hit)
		return 0;
	hlen = strnlen(hit, hlen);	/* rec_get() is a C string */
	if (!hlen)
		return 0;
	str = hlen < sizeof(tmp) ? tmp : malloc(hlen + 1);
	if (!str)
		return -ENOMEM;
	memcpy(str, hit, hlen);
	str[hlen] = '\0';
	x = strtoll(str, &end, 10);
	if (!*end)
		*out = (int64_t)x;
	if (str != tmp)
		free(str);
	return 0;
}
