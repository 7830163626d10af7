/* say: one-line messages to stderr without stdio (stdio costs ~16 KB). */
#ifndef SAY_H
#define SAY_H

/*
 * Formats: %s, %c, %d, %u, %lu, %llu, %x, %m (strerror(errno)), %%; a
 * width before d, u or x zero-pads the number to that many digits (%03u).
 * say() prefixes "echod: " and ends the line; the line is cut at 512 bytes.
 */
void say(const char *fmt, ...);
/* Write text and a newline to standard output (help, version). */
void say_text(const char *text);
/* Format into buf (always terminated); returns the length. */
unsigned say_fmt(char *buf, unsigned size, const char *fmt, ...);

#endif
