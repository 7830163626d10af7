/* SPDX-License-Identifier: ISC */
/*
 * stats: the counters SIGUSR1 reports and -M serves, kept in fixed
 * memory. Every field is an unsigned long long, in the order of
 * stats_text.
 */
#ifndef STATS_H
#define STATS_H

#include <stdint.h>

struct stats {
	unsigned long long accepted;
	unsigned long long rejected_full;	/* no free slot */
	unsigned long long rejected_fd;		/* EMFILE/ENFILE */
	unsigned long long timed_out;
	unsigned long long bytes_in, bytes_out;
	unsigned long long bytes_dropped;	/* input after an idle timeout */
	unsigned long long udp_in, udp_out;	/* datagrams, STAMP's too */
	unsigned long long udp_dropped;		/* send failed, cut short */
	unsigned long long log_dropped;		/* say_dropped(), when read */
	/* Turned away on purpose (addr.h, cap.h, guard.h, limit.h). */
	unsigned long long rejected_cap;	/* over -C */
	unsigned long long rejected_allow;	/* not on an -A list */
	/*
	 * udp_in = udp_out + dropped + guarded + denied + looped + limited
	 * + stamp_short
	 */
	unsigned long long udp_guarded;		/* never answered (guard.h) */
	unsigned long long udp_denied;		/* not on an -A list */
	unsigned long long udp_looped;		/* a payload repeating */
	unsigned long long udp_limited;		/* over -R */
	unsigned long long stamp_short;		/* STAMP requests under 44 bytes */
};

#define STATS_COUNTERS (sizeof(struct stats) / sizeof(unsigned long long))

/* One process's counters where the others can read them (-M with -w). */
struct stats_share {
	uint32_t gen;		/* odd while being written */
	uint32_t active;	/* connections open */
	struct stats count;
};

/*
 * "name\0" for each counter, then for each gauge of the metrics
 * (connections, slots, memory bytes); an empty name ends it. echod(8)
 * says what each counts.
 */
extern const char stats_text[];

/* "accepted 3 active 1 rejected_full 0 ..." into buf. */
void stats_line(char *buf, unsigned size, const struct stats *c,
    uint32_t active);
/* Write this process's counters into its share. */
void stats_publish(struct stats_share *s, const struct stats *c,
    uint32_t active);
/* Add n shares (written by other processes, maybe right now) into *sum;
 * returns their active connections. */
uint32_t stats_sum(const struct stats_share *s, unsigned n, struct stats *sum);

#endif
