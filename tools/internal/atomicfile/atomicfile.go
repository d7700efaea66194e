// Package atomicfile writes files so that readers see the old files or the whole new ones, never
// a partial write, even when the writing process is killed (see Writer.WriteAll and Recover).
package atomicfile

import "os"

// Write writes one file all-or-nothing: the old file or the whole new one.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteAll(File{Path: path, Data: data, Perm: perm})
}
