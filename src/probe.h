/* probe: the health check a scratch image can run: echod -P ADDR:PORT. */
#ifndef PROBE_H
#define PROBE_H

#include "net.h"

/*
 * Connect, send a random nonce, expect it back within timeout_ms.
 * Returns the exit status: 0 healthy, 1 not.
 */
int probe_run(const struct net_addr *a, int timeout_ms);

#endif
