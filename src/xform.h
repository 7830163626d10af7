/* SPDX-License-Identifier: ISC */
/* xform: the capitalize transform, independent of how a stream is split. */
#ifndef XFORM_H
#define XFORM_H

#include <stddef.h>

/*
 * In each line (ended by '\n') uppercase the first byte and lowercase the
 * rest, ASCII only. *at_line_start carries the state from one call to the
 * next; start a stream with it set to 1.
 */
void xform_capitalize(unsigned char *buf, size_t n, int *at_line_start);

#endif
