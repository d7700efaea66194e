// Allocator benchmark: 4 threads each make 2,000,000 malloc/free pairs of sizes 16 B..4 KiB,
// keeping a window of 1000 live blocks. Built twice (with mimalloc and with musl's malloc) and
// run by `go run ./tools/bench malloc`, which prints both times and their ratio.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { THREADS = 4, ROUNDS = 2000000, WINDOW = 1000 };

static void *work(void *arg) {
  uint32_t x = (uint32_t)(uintptr_t)arg * 2654435761u + 1;  // xorshift seed per thread
  void *live[WINDOW] = {0};
  for (int i = 0; i < ROUNDS; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    int slot = x % WINDOW;
    free(live[slot]);
    size_t size = 16 + x % 4080;
    live[slot] = malloc(size);
    memset(live[slot], i, 16);
  }
  for (int i = 0; i < WINDOW; i++) free(live[i]);
  return NULL;
}

int main(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  pthread_t t[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, work, (void *)(uintptr_t)(i + 1));
  for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.3f\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
  return 0;
}
