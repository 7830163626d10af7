/* SPDX-License-Identifier: ISC */
#include "xform.h"

void xform_capitalize(unsigned char *buf, size_t n, int *at_line_start)
{
	int start = *at_line_start;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = buf[i];

		if (start && c >= 'a' && c <= 'z')
			buf[i] = c - 'a' + 'A';
		else if (!start && c >= 'A' && c <= 'Z')
			buf[i] = c - 'A' + 'a';
		start = c == '\n';
	}
	*at_line_start = start;
}
