/* SPDX-License-Identifier: ISC */
#include "hash.h"

#define ROTL(x, b) ((uint32_t)((x) << (b) | (x) >> (32 - (b))))

struct state {
	uint32_t v[4];
};

static void rounds(struct state *s, int n)
{
	uint32_t *v = s->v;

	while (n-- > 0) {
		v[0] += v[1];
		v[1] = ROTL(v[1], 5) ^ v[0];
		v[0] = ROTL(v[0], 16);
		v[2] += v[3];
		v[3] = ROTL(v[3], 8) ^ v[2];
		v[0] += v[3];
		v[3] = ROTL(v[3], 7) ^ v[0];
		v[2] += v[1];
		v[1] = ROTL(v[1], 13) ^ v[2];
		v[2] = ROTL(v[2], 16);
	}
}

static void absorb(struct state *s, uint32_t m)
{
	s->v[3] ^= m;
	rounds(s, 2);
	s->v[0] ^= m;
}

uint64_t hash64(const struct hash_key *key, const void *data, size_t len)
{
	const unsigned char *p = data;
	struct state s = { { key->k[0], key->k[1] ^ 0xee,
	    key->k[0] ^ 0x6c796765, key->k[1] ^ 0x74656462 } };
	uint32_t m = 0, lo;
	size_t i;

	/* Little-endian words; the last holds the length in its top byte. */
	for (i = 0; i < len; i++) {
		m |= (uint32_t)p[i] << 8 * (i % 4);
		if (i % 4 == 3) {
			absorb(&s, m);
			m = 0;
		}
	}
	absorb(&s, m | (uint32_t)len << 24);
	s.v[2] ^= 0xee;
	rounds(&s, 4);
	lo = s.v[1] ^ s.v[3];
	s.v[1] ^= 0xdd;
	rounds(&s, 4);
	return (uint64_t)(s.v[1] ^ s.v[3]) << 32 | lo;
}
