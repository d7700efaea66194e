/* The container process of conmon_test: one line on stdout, one on stderr, then exits with the
 * status given as its first argument (what conmon must write to the exit file). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	printf("hello from a conmon container\n");
	fflush(stdout);
	fprintf(stderr, "a line on stderr\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
