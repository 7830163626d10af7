/* SPDX-License-Identifier: ISC */
/*
 * hash: HalfSipHash-2-4 with a 64-bit result, keyed with a secret drawn at
 * start, so a peer cannot choose addresses or payloads that collide in
 * echod's tables without knowing it.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

struct hash_key {
	uint32_t k[2];
};

/* The 64-bit hash of len bytes at data (little-endian, as the reference). */
uint64_t hash64(const struct hash_key *key, const void *data, size_t len);
/*
 * A secret from the 16 bytes the kernel's generator gave this exec
 * (AT_RANDOM): always there, no system call, no wait at early boot. The
 * libc's stack canary uses the first of them.
 */
static inline void hash_key_new(struct hash_key *key)
{
	const unsigned char *aux = (const unsigned char *)getauxval(AT_RANDOM);

	if (aux != NULL)
		memcpy(key, aux + 8, sizeof *key);
}

#endif
