/* SPDX-License-Identifier: ISC */
/*
 * stamp: STAMP test packets (RFC 8762, unauthenticated, stateless mode;
 * TWAMP-Light senders send the same), as a session-reflector rewrites a
 * request into its reply and as a session-sender builds and reads them.
 * No system calls: the caller brings the times.
 *
 * Times are NTP 64-bit: seconds since 1900 in the high half, fractions of
 * a second (2^-32) in the low half, all in integer arithmetic.
 */
#ifndef STAMP_H
#define STAMP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STAMP_MIN 44		/* the base packet; shorter requests are dropped */

/* What the reflector's receive path learned about one request. */
struct stamp_rx {
	uint64_t t2;		/* the kernel's receive time */
	uint16_t error;		/* our Error Estimate (stamp_error) */
	uint8_t ttl;		/* the request's TTL or Hop Limit */
};

/* A reply as the session-sender reads it. */
struct stamp_reply {
	uint32_t seq;		/* the reflector's (stateless: the sender's) */
	uint64_t t3;		/* the reflector's send time */
	uint16_t error;		/* the reflector's Error Estimate */
	uint64_t t2;		/* the reflector's receive time */
	uint32_t sender_seq;
	uint64_t t1;		/* the sender's send time, as sent */
	uint16_t sender_error;
	uint8_t ttl;		/* the request's TTL when it arrived */
};

/* CLOCK_REALTIME's timespec (since 1970) in NTP format. */
uint64_t stamp_ntp(const struct timespec *t);
/* b - a in microseconds, with its sign, for times under 68 years apart. */
int64_t stamp_us(uint64_t a, uint64_t b);
/*
 * An Error Estimate (RFC 4656 4.1.2) of at least err_us microseconds,
 * with the S bit when the clock is synchronized to an external source.
 */
uint16_t stamp_error(int synced, uint64_t err_us);
/*
 * Rewrite the request of len bytes in pkt into its reply, of the same
 * length (bytes past the base packet are kept), all but the reflector's
 * send time (stamp_sent). Returns 0, or -1 if len < STAMP_MIN.
 */
int stamp_reflect(unsigned char *pkt, size_t len, const struct stamp_rx *rx);
/* Set the reply's Timestamp: as late as possible before the send. */
void stamp_sent(unsigned char *pkt, uint64_t t3);
/* A request of len >= STAMP_MIN bytes: zeroes past its fields. */
void stamp_request(unsigned char *pkt, size_t len, uint32_t seq, uint64_t t1,
    uint16_t error);
/* Read a reply. Returns 0, or -1 if len < STAMP_MIN. */
int stamp_parse(const unsigned char *pkt, size_t len, struct stamp_reply *r);

#endif
