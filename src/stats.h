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
	unsigned long long udp_dropped;		/* in = out + dropped */
};

#endif
