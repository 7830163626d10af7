/* SPDX-License-Identifier: ISC */
/* say: one-line messages to stderr without stdio (stdio costs ~16 KB). */
#ifndef SAY_H
#define SAY_H

/*
 * Formats: %s, %c, %d, %u, %lu, %llu, %x, %m (errno's text, as strerror
 * gives it for the errors echod meets, else "error N"), %%; a width
 * before d, u or x zero-pads the number to that many digits (%03u).
 * say() prefixes "echod: " and ends the line; the line is cut at 512 bytes.
 */
void say(const char *fmt, ...);
/*
 * From now on a line that stderr cannot take at once is dropped and
 * counted, so a log reader that stalls never stalls the server. A pipe or
 * terminal is reopened non-blocking through /proc (its open file
 * description may be shared), a socket is written with MSG_DONTWAIT;
 * files never block. Returns 0, or -1 with errno set (nothing changed).
 */
int say_never_block(void);
/* Lines dropped since the start. */
unsigned long long say_dropped(void);
/* Write text and a newline to standard output (help, version). */
void say_text(const char *text);
/* Format into buf (always terminated); returns the length. */
unsigned say_fmt(char *buf, unsigned size, const char *fmt, ...);

#endif
