/* SPDX-License-Identifier: ISC */
/*
 * fuzz_xform: the capitalize transform must not depend on how the stream
 * is split into reads.
 *
 * Input: byte 0 holds the starting state (bit 7) and the number of cuts
 * (low 5 bits); then one byte per cut, the length of that piece; the rest
 * is the stream, whatever the pieces leave is the last piece. The stream
 * is transformed three ways: in one call, piece by piece (each piece in
 * its own exactly-sized allocation, so ASan sees any reach past a piece),
 * and by an independent reference written from the specification; all
 * three must agree byte for byte, and so must the state left at the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xform.h"
#include "lib/report.h"

/*
 * The specification, one byte at a time with no carried flag: a byte
 * starts a line when it is the first of the stream and the stream starts
 * at a line start, or when the byte before it is '\n'. A line's first byte
 * is uppercased, every other byte lowercased, ASCII letters only.
 */
static void reference(const unsigned char *in, unsigned char *out, size_t n,
    int start)
{
	static const char lower[] = "abcdefghijklmnopqrstuvwxyz";
	static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	size_t i;

	for (i = 0; i < n; i++) {
		int first = i == 0 ? start : in[i - 1] == '\n';
		const char *from = first ? lower : upper;
		const char *to = first ? upper : lower;
		const char *hit = in[i] != '\0' ? strchr(from, in[i]) : NULL;

		out[i] = hit != NULL ? (unsigned char)to[hit - from] : in[i];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *stream;
	unsigned char *whole, *pieces, *ref;
	size_t ncuts, n, at, i;
	int start, state_whole, state_pieces;

	if (size < 1)
		return 0;
	start = data[0] >> 7;
	ncuts = data[0] & 31;
	if (size < 1 + ncuts)
		return 0;
	stream = data + 1 + ncuts;
	n = size - 1 - ncuts;

	whole = malloc(n + 1);
	pieces = malloc(n + 1);
	ref = malloc(n + 1);
	INVARIANT(whole != NULL && pieces != NULL && ref != NULL);
	memcpy(whole, stream, n);

	state_whole = start;
	xform_capitalize(whole, n, &state_whole);
	INVARIANT(state_whole == 0 || state_whole == 1);

	reference(stream, ref, n, start);
	INVARIANT(memcmp(whole, ref, n) == 0);
	/* The state at the end is the state before the next byte. */
	INVARIANT(state_whole == (n == 0 ? start : stream[n - 1] == '\n'));

	/* Piece by piece; a zero-length piece is a read that got nothing. */
	state_pieces = start;
	at = 0;
	for (i = 0; i <= ncuts; i++) {
		size_t len = i < ncuts ? data[1 + i] : n - at;
		unsigned char *p;

		if (len > n - at)
			len = n - at;
		p = malloc(len ? len : 1);
		INVARIANT(p != NULL);
		memcpy(p, stream + at, len);
		xform_capitalize(p, len, &state_pieces);
		INVARIANT(state_pieces == 0 || state_pieces == 1);
		memcpy(pieces + at, p, len);
		free(p);
		at += len;
	}
	INVARIANT(at == n);
	INVARIANT(memcmp(pieces, whole, n) == 0);
	INVARIANT(state_pieces == state_whole);

	free(whole);
	free(pieces);
	free(ref);
	return 0;
}
