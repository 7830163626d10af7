/*
 * hash: HalfSipHash-2-4 with a 64-bit result, keyed with a secret drawn at
 * start, so a peer cannot choose addresses or payloads that collide in
 * echod's tables without knowing it.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash_key {
	uint32_t k[2];
};

/* The 64-bit hash of len bytes at data (little-endian, as the reference). */
uint64_t hash64(const struct hash_key *key, const void *data, size_t len);
/*
 * A fresh secret from getrandom, without waiting for the entropy pool at
 * early boot (then, or on kernels without getrandom, from AT_RANDOM).
 */
void hash_key_new(struct hash_key *key);

#endif
