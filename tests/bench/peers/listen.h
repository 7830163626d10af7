/* SPDX-License-Identifier: ISC */
/* The TCP peers' listener: the same set-up for each. */
#ifndef LISTEN_H
#define LISTEN_H

int listen_tcp(const char *name, int port, int flags);

#endif
