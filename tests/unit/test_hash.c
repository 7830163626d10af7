/* SPDX-License-Identifier: ISC */
#include <string.h>
#include <sys/auxv.h>

#include "check.h"
#include "hash.h"

/* HalfSipHash-2-4, 64-bit output: the reference's vectors (key 00..07,
 * message 00..len-1), which cover every tail length. */
static const struct {
	unsigned len;
	unsigned char out[8];
} vectors[] = {
	{ 0, { 0x21, 0x8d, 0x1f, 0x59, 0xb9, 0xb8, 0x3c, 0xc8 } },
	{ 1, { 0xbe, 0x55, 0x24, 0x12, 0xf8, 0x38, 0x73, 0x15 } },
	{ 2, { 0x06, 0x4f, 0x39, 0xef, 0x7c, 0x50, 0xeb, 0x57 } },
	{ 3, { 0xce, 0x0f, 0x1a, 0x45, 0xf7, 0x06, 0x06, 0x79 } },
	{ 4, { 0xd5, 0xe7, 0x8a, 0x17, 0x5b, 0xe5, 0x2e, 0xa1 } },
	{ 7, { 0xff, 0x20, 0x27, 0x28, 0xb0, 0x7b, 0xc6, 0x84 } },
	{ 8, { 0xed, 0xfe, 0xe8, 0x20, 0xbc, 0xe4, 0x85, 0x8c } },
	{ 63, { 0x2e, 0xa6, 0x3c, 0x71, 0xbf, 0x32, 0x60, 0x87 } },
};

void test_hash(void)
{
	struct hash_key k = { { 0x03020100, 0x07060504 } }, other;
	unsigned char msg[64];
	unsigned i, j;

	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		uint64_t h = hash64(&k, msg, vectors[i].len);
		int same = 1;

		for (j = 0; j < 8; j++)
			same &= (unsigned char)(h >> (8 * j)) == vectors[i].out[j];
		CHECK(same);
	}
	/* The secret: the kernel's random bytes 8-15 of this exec. */
	hash_key_new(&k);
	CHECK(memcmp(&k, (const unsigned char *)getauxval(AT_RANDOM) + 8,
	    sizeof k) == 0);
	CHECK(k.k[0] != 0 || k.k[1] != 0);
	/* Another key, another hash. */
	other = k;
	other.k[1] ^= 1;
	CHECK(hash64(&k, msg, 8) != hash64(&other, msg, 8));
}
