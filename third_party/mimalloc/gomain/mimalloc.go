// Package main is compiled into each static Go tool's main package (static_go_tool in
// third_party/private/static_go_tool.bzl): its cgo import links //third_party/mimalloc, whose malloc
// then replaces musl's for everything the program allocates through C (cgo, sqlite, libseccomp).
package main

// #include <mimalloc.h>
import "C"
