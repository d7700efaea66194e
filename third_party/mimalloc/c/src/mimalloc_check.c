// Proof that mimalloc replaces musl's allocator in a static C binary: memory from malloc, from
// inside libc (strdup), the C11/POSIX aligned allocators and other threads must all come from
// mimalloc's heap (memory from musl's own allocator, freed by mimalloc, crashes the program).
#include <mimalloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *churn(void *arg) {
  for (int i = 0; i < 20000; i++) {
    void *p = malloc(i % 4096 + 1);
    memset(p, 1, i % 4096 + 1);
    free(p);
  }
  void *last = malloc(64);
  *(int *)arg = mi_is_in_heap_region(last);
  free(last);
  return NULL;
}

int main(void) {
  void *p = malloc(100);
  char *s = strdup("hello");
  p = realloc(p, 10000);
  void *a = aligned_alloc(4096, 1 << 20);  // libfuse allocates its request buffers like this
  void *m = NULL;
  int aligned_ok = posix_memalign(&m, 64, 1000) == 0 && mi_is_in_heap_region(a) && mi_is_in_heap_region(m);
  int threads_ok = 1;
  pthread_t t[4];
  int in_heap[4] = {0};
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, &in_heap[i]);
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    threads_ok &= in_heap[i];
  }
  int ok = mi_is_in_heap_region(p) && mi_is_in_heap_region(s) && threads_ok && aligned_ok;
  printf("mimalloc %d malloc=%d strdup=%d aligned=%d threads=%d\n", mi_version(), mi_is_in_heap_region(p),
         mi_is_in_heap_region(s), aligned_ok, threads_ok);
  free(p);
  free(s);
  free(a);
  free(m);
  return ok ? 0 : 1;
}
