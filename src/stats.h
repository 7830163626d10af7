/* stats: the counters SIGUSR1 reports, kept in fixed memory. */
#ifndef STATS_H
#define STATS_H

struct stats {
	unsigned long long accepted;
	unsigned long long rejected_full;	/* no free slot */
	unsigned long long rejected_fd;		/* EMFILE/ENFILE */
	unsigned long long timed_out;
	unsigned long long bytes_in, bytes_out;
	unsigned long long bytes_dropped;	/* input after an idle timeout */
	unsigned long long udp_in, udp_out;	/* datagrams */
	unsigned long long udp_dropped;		/* send failed, cut short */
	/* Turned away on purpose (addr.h, cap.h, guard.h, limit.h). */
	unsigned long long rejected_cap;	/* over -C */
	unsigned long long rejected_allow;	/* not on an -A list */
	/* udp_in = udp_out + dropped + guarded + denied + looped + limited */
	unsigned long long udp_guarded;		/* never answered (guard.h) */
	unsigned long long udp_denied;		/* not on an -A list */
	unsigned long long udp_looped;		/* a payload repeating */
	unsigned long long udp_limited;		/* over -R */
};

#endif
