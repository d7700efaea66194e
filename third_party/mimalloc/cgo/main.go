// Command cgo_hello is the cgo proof program: Go calling C, linked static with mimalloc.
package main

/*
#include <mimalloc.h>
#include <stdlib.h>
#include <string.h>

static int c_alloc_in_mimalloc(void) {
	char *s = strdup("from C");
	int r = mi_is_in_heap_region(s);
	free(s);
	return r;
}
*/
import "C"

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Printf("cgo %s/%s mimalloc=%t\n", runtime.GOOS, runtime.GOARCH, C.c_alloc_in_mimalloc() == 1)
}
